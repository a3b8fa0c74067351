# Sourced by scale.sh and storm.sh (after lib.sh and images.sh): stores of resident VMs side by side, one per
# size, under $work. The residents are made by cocoon.runtime's ResidentVms (test classes, so it never ships)
# through the store's own insert, as `create` writes them (name check, name entry, record), each a copy of a
# record a real `create` wrote, without its disks.
jdk_java="$("$repo/scripts/java-home")/bin/java"
test_classes="$repo/cocoon.runtime/target/test-classes"
[[ -f $test_classes/cocoon/runtime/store/ResidentVms.class ]] \
  || { echo "bench: $test_classes lacks ResidentVms: build with 'mvn -B -q -o package -DskipTests'" >&2; exit 1; }
vm_flags="--network none --hypervisor qemu --accel tcg --memory 256M --cpu 1"

# at SIZE COMMAND...: runs COMMAND against the store with SIZE residents.
at() {
  local n=$1
  shift
  COCOON_ROOT_DIR="$work/root-$n" COCOON_RUN_DIR="$work/run-$n" COCOON_LOG_DIR="$work/log-$n" "$@"
}

# residents SIZE FROM TO: adds resident-FROM .. resident-(TO-1) to the store with SIZE residents.
residents() {
  "$jdk_java" -cp "$image_dir/lib/app/*:$test_classes" cocoon.runtime.store.ResidentVms \
    "$work/root-$1" "$work/vm.json" resident "$2" "$3"
}

# resident_store SIZE [COMMAND...]: the store with SIZE residents, the OCI demo ($oci_ref) pulled into it;
# COMMAND, if given, runs after the pull and before the residents are made.
resident_store() {
  local n=$1 started
  echo "store of $n resident VMs..."
  at "$n" "$cocoon" pull --insecure --quiet "$oci_ref" > /dev/null
  if [[ ! -f $work/vm.json ]]; then
    at "$n" "$cocoon" create --name template $vm_flags "$oci_ref" > /dev/null
    cp "$work/root-$n"/vms/*/vm.json "$work/vm.json"
    at "$n" "$cocoon" rm template > /dev/null
  fi
  "${@:2}"
  started=$SECONDS
  ((n == 0)) || residents "$n" 0 "$n"
  echo "  residents made in $((SECONDS - started)) s"
}
