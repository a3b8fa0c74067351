#!/usr/bin/env bash
# Scale: the VM commands with 0, 1,000 and 10,000 resident VMs, side by side. Each size is a store of its
# own (bench/residents.sh), so the three are timed in turn within every round and a change of load on this
# shared machine hits them alike. In each store a VM "probe" made by `create` is inspected, started and
# stopped, a VM "fresh" is created and removed (rm also without the gc that follows it by default), and `ps`
# and `gc --dry-run` (with 1,000 image references) run; a sample of residents must pass `inspect` and `rm`,
# and `ps` must list them all. Stops are `stop --force`: the store's path, not the guest's shutdown (QEMU,
# TCG, `--network none`); every start and stop is timed with no other probe running. Round 0 is a warm-up
# and is not counted. The create storm (8 creators) is bench/storm.sh.
# Usage: bench/scale.sh          (BENCH_RUNS=N changes the rounds, default 5)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
source "$repo/bench/residents.sh"
runs=${BENCH_RUNS:-5}
sizes=(0 1000 10000)
machine
serve_oci_demo
printf '[gc]\nafter_remove = false\n' > "$work/no-gc.toml"

# image_references SIZE: 999 more references to the pulled image in the index of the store with SIZE residents.
image_references() {
  python3 - "$work/root-$1/images/oci/index.json" <<'PY'
import json, sys
index = json.load(open(sys.argv[1]))
(reference, entry), = index["images"].items()
index["images"].update({f"{reference}-{i}": dict(entry, reference=f"{reference}-{i}") for i in range(999)})
json.dump(index, open(sys.argv[1], "w"), indent=2)
PY
}

for n in "${sizes[@]}"; do
  resident_store "$n" image_references "$n"
  at "$n" "$cocoon" create --name probe $vm_flags "$oci_ref" > /dev/null
  if ((n > 0)); then
    sample=$((RANDOM % n))
    at "$n" "$cocoon" inspect "resident-$sample" | grep -q "\"resident-$sample\"" \
      || { echo "bench: inspect resident-$sample shows another VM" >&2; exit 1; }
    at "$n" "$cocoon" rm "resident-$sample" > /dev/null
    residents "$n" "$sample" "$((sample + 1))"
  fi
  listed=$(at "$n" "$cocoon" ps | grep -c -e resident- -e probe || true)
  [[ $listed -eq $((n + 1)) ]] || { echo "bench: cocoon ps lists $listed VMs, not $((n + 1))" >&2; exit 1; }
done
stop_probes() {
  local n
  for n in "${sizes[@]}"; do at "$n" "$cocoon" stop --force probe > /dev/null 2>&1 || true; done
}
trap 'stop_probes; cleanup' EXIT

# timed FIGURE SIZE PREPARE COMMAND: runs PREPARE (a shell line, untimed), then times COMMAND (a shell line).
declare -A total
timed() {
  local figure=$1 n=$2 round=$3
  at "$n" bash -c "$4" > /dev/null 2>&1 || true
  local from=$EPOCHREALTIME
  at "$n" bash -c "$5" > /dev/null || { echo "bench: '$5' failed with $n VMs" >&2; exit 1; }
  local to=$EPOCHREALTIME
  ((round == 0)) || total[$figure-$n]=$(python3 -c "print(${total[$figure-$n]:-0} + $to - $from)")
}

c=$cocoon
for round in $(seq 0 "$runs"); do
  echo "round $round of $runs (0: warm-up)"
  for n in "${sizes[@]}"; do timed create "$n" "$round" "$c rm -f fresh" "$c create --name fresh $vm_flags $oci_ref"; done
  for n in "${sizes[@]}"; do timed rm "$n" "$round" "$c create --name fresh $vm_flags $oci_ref" "$c rm fresh"; done
  for n in "${sizes[@]}"; do
    timed rm-nogc "$n" "$round" "$c create --name fresh $vm_flags $oci_ref" "COCOON_CONFIG=$work/no-gc.toml $c rm fresh"
  done
  for n in "${sizes[@]}"; do timed inspect "$n" "$round" true "$c inspect probe"; done
  # One guest at a time: a probe left booting under TCG takes a core from the next store's start.
  for n in "${sizes[@]}"; do
    timed start "$n" "$round" "$c stop --force probe" "$c start probe"
    at "$n" "$c" stop --force probe > /dev/null
  done
  for n in "${sizes[@]}"; do
    timed stop "$n" "$round" "$c start probe" "$c stop --force probe"
  done
  for n in "${sizes[@]}"; do timed ps "$n" "$round" true "$c ps"; done
  for n in "${sizes[@]}"; do timed gc "$n" "$round" true "$c gc --dry-run"; done
done

mean() { python3 -c "print(${total[$1]} / $runs)"; }
echo
echo "mean of $runs rounds      0 VMs    1,000 VMs   10,000 VMs   10,000/0   target"
for figure in create inspect start stop rm rm-nogc ps gc; do
  case $figure in
    ps) label="ps" target="< 1.5 s at 10,000" ;;
    gc) label="gc --dry-run" target="< 2 s at 10,000 (1,000 images)" ;;
    stop) label="stop --force" target="<= 1.2x" ;;
    rm-nogc) label="rm, no gc after it" target="" ;;
    *) label=$figure target="<= 1.2x" ;;
  esac
  printf '%-22s %8.3f s %9.3f s %10.3f s %9.2fx   %s\n' "$label" "$(mean "$figure-0")" "$(mean "$figure-1000")" \
    "$(mean "$figure-10000")" "$(python3 -c "print(${total[$figure-10000]} / ${total[$figure-0]})")" "$target"
done
printf 'ps cost per VM beyond the empty store: %.3f ms (target <= 0.1 ms)\n' \
  "$(python3 -c "print((${total[ps-10000]} - ${total[ps-0]}) / $runs * 1000 / 10000)")"
machine
