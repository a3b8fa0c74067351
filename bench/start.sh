#!/usr/bin/env bash
# VM start: `cocoon start` of the OCI demo under QEMU (TCG) until QMP answers, against the same QEMU
# command line launched by hand until QMP answers; the difference is Cocoon's overhead.
# Runs alternate (cocoon, then by hand) so load changes hit both alike.
# Usage: bench/start.sh          (BENCH_RUNS=N changes the runs, default 10)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
runs=${BENCH_RUNS:-10}
machine
echo "pulling the OCI demo and creating the VM..."
serve_oci_demo
"$cocoon" pull --insecure --quiet "$oci_ref" > /dev/null
"$cocoon" create --name bench --network none --hypervisor qemu --accel tcg --memory 256M --cpu 1 "$oci_ref" > /dev/null
echo "the command (cocoon run): $("$cocoon" run --hypervisor qemu --accel tcg --memory 256M --cpu 1 "$oci_ref" | head -4 | tr -d '\\\n')..."
stop_vm() { "$cocoon" stop --force bench > /dev/null 2>&1 || true; }
trap 'stop_vm; cleanup' EXIT
python3 "$repo/bench/start-timer.py" "$cocoon" "$COCOON_RUN_DIR" bench "$runs" | tee "$work/start.out"
result=$(tail -1 "$work/start.out")
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])['$1'])" "$result"; }

echo
echo "mean of $runs runs          (ratio = cocoon / by hand)"
row "QEMU by hand until QMP answers" "$(field hand_qmp)"
row "cocoon start until QMP answers" "$(field cocoon_qmp)" "$(field hand_qmp)"
row "cocoon start until it exits" "$(field cocoon_exit)"
row "Cocoon's overhead (median of differences)" "$(field overhead_median)"
machine
