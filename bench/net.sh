#!/usr/bin/env bash
# Networking of the OCI demo under QEMU (TCG), side by side:
#  1. `cocoon start` with --network none, user and bridge: until the command exits (QMP has answered by then)
#     and until the guest prints its banner (its httpd is up by then); ratios to none.
#  2. HTTP from the host side to the guest's busybox httpd (a 16 MiB file of random bytes that this script
#     adds to the demo image as a third layer, and the demo's small page): through a port published on
#     127.0.0.1 in user mode (QEMU's slirp) and in bridge mode (nftables DNAT), against the guest's bridge
#     address directly; ratios to the direct path.
# Cocoon, QEMU and curl run inside a network namespace this script makes and always deletes (DESIGN §6), with
# the bridge on a documentation subnet; only the image pull uses the host's loopback registry.
# Usage: bench/net.sh      (BENCH_RUNS=N: starts per mode and HTTP rounds, default 5)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
runs=${BENCH_RUNS:-5}
fetches=8 requests=200
ns=cocoon-bench-net-$$
vms=(net-none net-user net-bridge)
user_port=8080 bridge_port=8081

inside() { ip netns exec "$ns" "$@"; }
remove_namespace() {
  local vm pid
  for vm in "${vms[@]}"; do inside "$cocoon" rm --force "$vm" > /dev/null 2>&1 || true; done
  # Anything still running in the namespace was started by this script (QEMU of a VM rm could not reach).
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}
trap 'remove_namespace; cleanup' EXIT

add_big_file() { python3 "$repo/bench/add-file-layer.py" "$1" var/www/big.bin 16; }

# await_banner VM COUNT: until the VM's console (appended over its boots) holds COUNT banners (120 s at most).
await_banner() {
  local log i
  log=$(inside "$cocoon" inspect "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["paths"]["logDir"])')/console.log
  for i in $(seq 1200); do
    [[ $(grep -c 'Cocoon demo VM ready' "$log" 2>/dev/null) -ge $2 ]] && return 0
    sleep 0.1
  done
  echo "bench: $1 printed no banner; its console ends with:" >&2
  tail -20 "$log" >&2
  return 1
}

# await_http URL: until the guest's page answers at URL inside the namespace (60 s at most).
await_http() {
  local i
  for i in $(seq 600); do
    inside curl -sf --max-time 2 -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "bench: $1 does not answer" >&2
  return 1
}

# rate_row LABEL VALUE UNIT [BASELINE]: one aligned line of the report, with the ratio to a baseline.
rate_row() {
  if [[ $# -eq 4 ]]; then
    printf '%-52s %8.1f %-5s %5.2fx\n' "$1" "$2" "$3" "$(python3 -c "print($2 / $4)")"
  else
    printf '%-52s %8.1f %s\n' "$1" "$2" "$3"
  fi
}

machine
echo "building the OCI demo with a 16 MiB file, pulling it, making namespace $ns..."
serve_oci_demo add_big_file
"$cocoon" pull --insecure --quiet "$oci_ref" > /dev/null
cat > "$COCOON_CONFIG" <<'TOML'
[network]
subnet = "198.51.100.0/24"
dns = "192.0.2.53"
TOML
ip netns add "$ns"
inside ip link set lo up

common=(--hypervisor qemu --accel tcg --memory 256M --cpu 1 --storage 256M)
inside "$cocoon" create --name net-none --network none "${common[@]}" "$oci_ref" > /dev/null
inside "$cocoon" create --name net-user --network user -p "127.0.0.1:$user_port:80" "${common[@]}" "$oci_ref" > /dev/null
inside "$cocoon" create --name net-bridge --network bridge -p "127.0.0.1:$bridge_port:80" "${common[@]}" "$oci_ref" > /dev/null
guest=$(inside "$cocoon" inspect net-bridge | python3 -c 'import json, sys; print(json.load(sys.stdin)["network"]["address"].split("/")[0])')

echo "first start of each VM (the bridge and its nftables table are made by the first bridge start):"
inside python3 "$repo/bench/net-timer.py" start "$cocoon" 1 net-bridge net-user net-none | grep '^run' 
echo "timing $runs starts per mode..."
inside python3 "$repo/bench/net-timer.py" start "$cocoon" "$runs" "${vms[@]}" | tee "$work/start.out"
started=$(tail -1 "$work/start.out")

echo "starting net-user and net-bridge for the HTTP rounds..."
inside "$cocoon" start net-user > /dev/null
inside "$cocoon" start net-bridge > /dev/null
await_banner net-user $((runs + 2))
await_banner net-bridge $((runs + 2))
direct=http://$guest published_bridge=http://127.0.0.1:$bridge_port published_user=http://127.0.0.1:$user_port
for url in "$direct" "$published_bridge" "$published_user"; do await_http "$url/index.html"; done
inside python3 "$repo/bench/net-timer.py" http "$runs" "$fetches" "$requests" \
  "$direct" "$published_bridge" "$published_user" | tee "$work/http.out"
served=$(tail -1 "$work/http.out")
start_of() { python3 -c "import json, sys; print(json.loads(sys.argv[1])['$1']['$2'])" "$started"; }
http_of() { python3 -c "import json, sys; print(json.loads(sys.argv[1])['$1']['$2'])" "$served"; }

echo
echo "median of $runs starts per mode          (ratio = mode / none; extra: median of per-run differences)"
# No row for QMP: `cocoon start` exits only once QMP has greeted it, so that time is the exit's.
for stage in exit ready; do
  case $stage in
    exit) what="cocoon start until it exits" ;;
    ready) what="cocoon start until the guest's banner" ;;
  esac
  row "$what, none" "$(start_of net-none "$stage")"
  row "$what, user" "$(start_of net-user "$stage")" "$(start_of net-none "$stage")"
  row "$what, bridge" "$(start_of net-bridge "$stage")" "$(start_of net-none "$stage")"
done
row "extra of user over none, until it exits" "$(start_of net-user exit_extra)"
row "extra of bridge over none, until it exits" "$(start_of net-bridge exit_extra)"
row "extra of user over none, until the banner" "$(start_of net-user ready_extra)"
row "extra of bridge over none, until the banner" "$(start_of net-bridge ready_extra)"
echo
echo "median of $runs rounds: one curl fetching 16 MiB $fetches times, one asking for index.html $requests times"
echo "                                    (ratio = path / the guest's bridge address)"
rate_row "big.bin, to the guest's address ($guest)" "$(http_of "$direct" mb_s)" MB/s
rate_row "big.bin, 127.0.0.1:$bridge_port published (bridge, DNAT)" "$(http_of "$published_bridge" mb_s)" MB/s "$(http_of "$direct" mb_s)"
rate_row "big.bin, 127.0.0.1:$user_port published (user, slirp)" "$(http_of "$published_user" mb_s)" MB/s "$(http_of "$direct" mb_s)"
rate_row "index.html, to the guest's address" "$(http_of "$direct" req_s)" req/s
rate_row "index.html, 127.0.0.1:$bridge_port published (bridge)" "$(http_of "$published_bridge" req_s)" req/s "$(http_of "$direct" req_s)"
rate_row "index.html, 127.0.0.1:$user_port published (user)" "$(http_of "$published_user" req_s)" req/s "$(http_of "$direct" req_s)"
machine
