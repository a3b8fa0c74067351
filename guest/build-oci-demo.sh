#!/usr/bin/env bash
# Builds the Cocoon demo OCI VM image as an OCI image layout in OUTDIR (oci-layout, index.json, blobs/).
#   layer 1: busybox rootfs, /sbin/init, /boot/vmlinuz-<ver> and /boot/initrd.img-<ver> (guest hook + modules),
#            /etc/cocoon-doomed
#   layer 2: whiteout of /etc/cocoon-doomed, /etc/motd, /var/www/index.html (the page the demo's httpd serves)
# Only Debian packages (linux-image-amd64, busybox-static), unpacked, never installed. Cached by input.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
outdir=$1

fetch_guest_packages
inputs=("$KERNEL_DEB" "$BUSYBOX_DEB" "$0")
mapfile -t -O ${#inputs[@]} inputs < <(find "$GUEST_DIR/lib" "$GUEST_DIR/hook" "$GUEST_DIR/initramfs-tools" "$GUEST_DIR/rootfs" "$GUEST_DIR/oci-demo" -type f | sort)
built=$GUEST_CACHE/oci-demo/$(cache_key "${inputs[@]}")

build_layout() {
  local work=$1 layout=$1/layout
  mkdir -p "$layout/blobs/sha256" "$work/base/boot" "$work/top"

  log "layer 1: busybox rootfs, kernel $KERNEL_VERSION, initrd with the guest hook"
  make_busybox_rootfs "$work/base" "$GUEST_DIR/oci-demo/base"
  install -m 0644 "$KERNEL_ROOT/boot/vmlinuz-$KERNEL_VERSION" "$work/base/boot/vmlinuz-$KERNEL_VERSION"
  make_initrd "$work/base/boot/initrd.img-$KERNEL_VERSION" "${OCI_HOOK_MODULES[@]}"

  log "layer 2: whiteout of /etc/cocoon-doomed, /etc/motd"
  cp -R "$GUEST_DIR/oci-demo/top/." "$work/top/"
  : > "$work/top/etc/.wh.cocoon-doomed"

  local layer
  for layer in base top; do make_layer_tar "$work/$layer" "$work/$layer.tar.gz"; done
  make_oci_layout "$layout" "Cocoon demo VM" "$KERNEL_VERSION" "$work/base.tar.gz" "$work/top.tar.gz"
}

if [[ ! -f $built/index.json ]]; then
  mkdir -p "$GUEST_CACHE/oci-demo"
  work=$(mktemp -d "$GUEST_CACHE/oci-demo/tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  build_layout "$work"
  rm -rf "$built" && mv "$work/layout" "$built"
else
  log "cached: $built"
fi

rm -rf "$outdir" && mkdir -p "$outdir"
cp -R "$built/." "$outdir/"
log "OCI layout in $outdir (kernel $KERNEL_VERSION)"
