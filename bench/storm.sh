#!/usr/bin/env bash
# Create storm: 8 `cocoon create` started at once into a store of 64 and one of 1,024 resident VMs, beside
# upstream Cocoon's published figures for the same storm (326 ms per round with 64 resident, 1,925 ms with
# 1,024: its JSON metadata store, cocoonstack/cocoon PR 168). A round is the wall time from starting the 8
# until the last has exited; all 8 must succeed. The two stores take turns within every round, so a change of
# load on this shared machine hits them alike; after each round its 8 VMs are removed again (not timed), so
# every round meets the same number of residents. Round 0 is a warm-up and is not counted. The creates are
# full ones (a raw COW disk formatted ext4 each; QEMU, `--network none`).
# Usage: bench/storm.sh          (BENCH_RUNS=N changes the rounds, default 5)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
source "$repo/bench/residents.sh"
runs=${BENCH_RUNS:-5}
sizes=(64 1024)
creators=8
machine
serve_oci_demo
for n in "${sizes[@]}"; do resident_store "$n"; done

# storm SIZE ROUND: times $creators creates at once against the store with SIZE residents, then removes them.
declare -A total
storm() {
  local n=$1 round=$2 i failed=0
  local started=()
  local from=$EPOCHREALTIME
  for ((i = 0; i < creators; i++)); do
    at "$n" "$cocoon" create --name "storm-$i" $vm_flags "$oci_ref" > "$work/storm-$n-$i.log" 2>&1 &
    started+=($!)
  done
  for i in "${!started[@]}"; do wait "${started[$i]}" || { failed=1; cat "$work/storm-$n-$i.log" >&2; }; done
  local to=$EPOCHREALTIME
  ((failed == 0)) || { echo "bench: a create of the storm failed with $n resident VMs" >&2; exit 1; }
  ((round == 0)) || total[$n]=$(python3 -c "print(${total[$n]:-0} + $to - $from)")
  for ((i = 0; i < creators; i++)); do at "$n" "$cocoon" rm "storm-$i" > /dev/null; done
}

for round in $(seq 0 "$runs"); do
  echo "round $round of $runs (0: warm-up)"
  for n in "${sizes[@]}"; do storm "$n" "$round"; done
done

ms() { python3 -c "print(round(${total[$1]} / $runs * 1000))"; }
echo
echo "create storm, $creators creators, mean of $runs rounds   64 resident   1,024 resident   1,024/64   target"
printf '%-46s %8s ms %13s ms %9.2fx   <= 1.2x\n' "Cocoon" "$(ms 64)" "$(ms 1024)" \
  "$(python3 -c "print(${total[1024]} / ${total[64]})")"
printf '%-46s %8s ms %13s ms %9.2fx\n' "upstream Cocoon (JSON store, PR 168)" 326 1925 "$(python3 -c "print(1925 / 326)")"
machine
