# Shared by the bench scripts (sourced, not run): a private Cocoon state under one temp folder,
# cleanup of everything a script starts, free loopback ports, and small hyperfine/ratio helpers.
set -euo pipefail

repo=$(CDPATH= cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
image_dir=${COCOON_IMAGE:-$repo/distribution/target/cocoon}
cocoon="$image_dir/bin/cocoon"
# The JDK the image was made from: its java -version, with the JDK's own class-data-sharing archive, is the floor.
java="$("$repo/scripts/java-home")/bin/java"
[[ -x $cocoon ]] || { echo "bench: $cocoon is missing: build it with 'mvn -B -q -o package -DskipTests'" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cocoon-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Cocoon's state lives in $work only; an empty config file keeps /etc/cocoon out of the figures.
export COCOON_ROOT_DIR="$work/root" COCOON_RUN_DIR="$work/run" COCOON_LOG_DIR="$work/log"
export COCOON_CONFIG="$work/config.toml"
: > "$COCOON_CONFIG"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT: until something accepts connections on 127.0.0.1:PORT (30 s at most).
wait_for_port() {
  local i
  for i in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

machine() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg) (shared with other jobs)"
}

# bench_time NAME RUNS [hyperfine options...] -- COMMAND: mean seconds of COMMAND, kept in $work/NAME.json.
bench_time() {
  local name=$1 runs=$2
  shift 2
  local opts=()
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  hyperfine --style none --runs "$runs" "${opts[@]}" --export-json "$work/$name.json" -n "$name" "$*" > /dev/null
  python3 - "$work/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f'{r["mean"]:.3f}')
PY
}

# row LABEL SECONDS [BASELINE_SECONDS]: one aligned line of the report, with the ratio to a baseline.
row() {
  if [[ $# -eq 3 ]]; then
    printf '%-44s %8.3f s   %5.2fx\n' "$1" "$2" "$(python3 -c "print($2 / $3)")"
  else
    printf '%-44s %8.3f s\n' "$1" "$2"
  fi
}
