#!/usr/bin/env bash
# CLI latency: `cocoon version`, `cocoon ps` and `cocoon list` with 0, 100 and 1,000 VM records and
# 100 images, against `java -version` of the JDK the image was made from (the floor of any JVM command: the
# image itself has no default class-data-sharing archive, only the caches its own commands map).
# Records are copies of one real VM's vm.json under new ids and names; the 100 images are one
# pulled OCI entry of index.json under 100 references.
# Usage: bench/cli-latency.sh          (BENCH_RUNS=N changes the runs per figure, default 20)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
runs=${BENCH_RUNS:-20}
machine
echo "pulling the OCI demo and making one VM to copy..."
serve_oci_demo
"$cocoon" pull --insecure --quiet "$oci_ref" > /dev/null
"$cocoon" create --name template --network none --hypervisor qemu "$oci_ref" > /dev/null
cp "$COCOON_ROOT_DIR"/vms/*/vm.json "$work/vm.json"

# copy_records N: exactly N VM records (stopped; copies of the template, whose disks are gone), named bench-0..N-1.
copy_records() {
  python3 - "$COCOON_ROOT_DIR/vms" "$work/vm.json" "$1" <<'PY'
import json, os, secrets, shutil, sys
vms, template, n = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
for entry in os.listdir(vms):
    shutil.rmtree(os.path.join(vms, entry))
for i in range(n):
    record = dict(template, id=secrets.token_hex(len(template["id"]) // 2), name=f"bench-{i}")
    os.makedirs(os.path.join(vms, record["id"]))
    with open(os.path.join(vms, record["id"], "vm.json"), "w") as f:
        json.dump(record, f, indent=2)
PY
}

index="$COCOON_ROOT_DIR/images/oci/index.json"
python3 - "$index" <<'PY'
import json, sys
index = json.load(open(sys.argv[1]))
(reference, entry), = index["images"].items()
index["images"] = {f"{reference}-{i}": dict(entry, reference=f"{reference}-{i}") for i in range(100)}
json.dump(index, open(sys.argv[1], "w"), indent=2)
PY

declare -A t
t[java]=$(bench_time java "$runs" -N --warmup 2 -- "$java -version")
t[version]=$(bench_time version "$runs" -N --warmup 2 -- "$cocoon version")
t[list]=$(bench_time list "$runs" -N --warmup 2 -- "$cocoon list")
for n in 0 100 1000; do
  copy_records "$n"
  [[ $("$cocoon" ps | grep -c bench-) -eq $n ]] || { echo "bench: cocoon ps does not list $n VMs" >&2; exit 1; }
  t[ps-$n]=$(bench_time "ps-$n" "$runs" -N --warmup 2 -- "$cocoon ps")
done

echo
echo "mean of $runs runs          (ratio = cocoon / java -version)"
row "java -version" "${t[java]}"
row "cocoon version" "${t[version]}" "${t[java]}"
row "cocoon list, 100 images" "${t[list]}" "${t[java]}"
for n in 0 100 1000; do
  row "cocoon ps, $n VMs" "${t[ps-$n]}" "${t[java]}"
done
machine
