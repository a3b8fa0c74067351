# Sourced by pull.sh, create.sh, start.sh, net.sh and cli-latency.sh: the demo guest images, served from loopback
# servers this script starts (a docker-registry for the OCI demo, python3 http.server for the cloud demo).

# serve_oci_demo [EDIT...]: builds the OCI demo, runs `EDIT... LAYOUT` on its layout if given, pushes it;
# sets $oci_ref.
serve_oci_demo() {
  "$repo/guest/build-oci-demo.sh" "$work/oci-demo" > /dev/null
  [[ $# -eq 0 ]] || "$@" "$work/oci-demo"
  local port
  port=$(free_port)
  "$repo/scripts/registry" "$port" "$work/registry" > "$work/registry.log" 2>&1 &
  pids+=($!)
  wait_for_port "$port"
  oci_ref="127.0.0.1:$port/cocoon/demo:latest"
  "$repo/guest/push-oci.sh" "$work/oci-demo" "$oci_ref" > /dev/null
}

# serve_cloud_demo: builds the cloud demo qcow2 and serves it; sets $cloud_url.
serve_cloud_demo() {
  mkdir -p "$work/www"
  "$repo/guest/build-cloud-demo.sh" "$work/www/demo.qcow2" > /dev/null
  local port
  port=$(free_port)
  python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" > /dev/null 2>&1 &
  pids+=($!)
  wait_for_port "$port"
  cloud_url="http://127.0.0.1:$port/demo.qcow2"
}
