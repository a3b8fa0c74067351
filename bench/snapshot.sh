#!/usr/bin/env bash
# Snapshots: `cocoon snapshot save` of the OCI demo running with 512M under QEMU (TCG); `cocoon clone` of that
# memory snapshot until the clone's console answers a command (`clone` then `console`, and `clone --console` in one
# command), against a cold `cocoon start` of the same VM until the guest's banner (the clone resumes: no boot); the
# snapshot's size against the VM's memory.
# Runs of each kind follow each other: cold starts, then saves, then clones, the two kinds of clone alternating
# (each clone removed before the next).
# Usage: bench/snapshot.sh          (BENCH_RUNS=N changes the runs, default 5)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
runs=${BENCH_RUNS:-5}
memory=512M
machine
echo "pulling the OCI demo and creating the VM ($memory)..."
serve_oci_demo
"$cocoon" pull --insecure --quiet "$oci_ref" > /dev/null
"$cocoon" create --name bench --network none --hypervisor qemu --accel tcg --memory "$memory" --cpu 1 "$oci_ref" > /dev/null
stop_all() {
  local vm
  for vm in $("$cocoon" ps --format json | python3 -c 'import json, sys; print(" ".join(v["name"] for v in json.load(sys.stdin)))'); do
    "$cocoon" rm --force "$vm" > /dev/null 2>&1 || true
  done
}
trap 'stop_all; cleanup' EXIT
python3 "$repo/bench/snapshot-timer.py" "$cocoon" bench "$runs" "Cocoon demo VM ready" | tee "$work/snapshot.out"
result=$(tail -1 "$work/snapshot.out")
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])['$1'])" "$result"; }
mib() { python3 -c "print(f'{$1 / 1048576:.0f} MiB')"; }

echo
echo "mean of $runs runs          (ratio = clone / cold start)"
row "cold start until the guest's banner" "$(field cold_banner)"
row "clone, then console, until it answers" "$(field clone_answer)" "$(field cold_banner)"
row "clone --console until it answers" "$(field clone_console_answer)" "$(field cold_banner)"
row "clone (memory) until the command exits" "$(field clone_exit)"
row "snapshot save, $memory guest, running" "$(field save)"
printf '%-44s %s allocated (%s apparent), memory state %s of %s\n' "snapshot size" \
  "$(mib "$(field snapshot_allocated)")" "$(mib "$(field snapshot_apparent)")" "$(mib "$(field memory_state)")" "$memory"
machine
