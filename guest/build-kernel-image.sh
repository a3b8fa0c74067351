#!/usr/bin/env bash
# Builds a Cocoon kernel image (DESIGN §5c) as an OCI image layout in OUTDIR (oci-layout, index.json, blobs/).
#   one layer: /boot/vmlinuz-<ver> and Debian linux-image-amd64's full module tree at /lib/modules/<ver>/, with
#              depmod's output (the package ships no modules.dep). No initrd: Cocoon builds its own at pull.
# An OCI image without a kernel boots with it: cocoon create --kernel REF, or [defaults] kernel. Cached by input.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
outdir=$1
command -v depmod >/dev/null || die "depmod is missing (apt-get install kmod, or scripts/install-deps)"

fetch_guest_packages
inputs=("$KERNEL_DEB" "$0" "$GUEST_DIR/lib/common.sh")
built=$GUEST_CACHE/kernel-image/$(cache_key "${inputs[@]}")

build_layout() {
  local work=$1 layout=$1/layout root=$1/root
  mkdir -p "$layout/blobs/sha256" "$root/boot" "$root/lib/modules"
  log "layer: kernel $KERNEL_VERSION and its modules"
  install -m 0644 "$KERNEL_ROOT/boot/vmlinuz-$KERNEL_VERSION" "$root/boot/vmlinuz-$KERNEL_VERSION"
  # Hard links into the unpacked package: the tree is ~400 MB, and depmod only adds files beside it.
  cp -al "$KERNEL_ROOT/lib/modules/$KERNEL_VERSION" "$root/lib/modules/"
  depmod -b "$root" "$KERNEL_VERSION"
  [[ -s $root/lib/modules/$KERNEL_VERSION/modules.dep ]] || die "depmod wrote no modules.dep"
  make_layer_tar "$root" "$work/kernel.tar.gz"
  make_oci_layout "$layout" "Cocoon kernel $KERNEL_VERSION" "$KERNEL_VERSION" "$work/kernel.tar.gz"
}

if [[ ! -f $built/index.json ]]; then
  mkdir -p "$GUEST_CACHE/kernel-image"
  work=$(mktemp -d "$GUEST_CACHE/kernel-image/tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  build_layout "$work"
  rm -rf "$built" && mv "$work/layout" "$built"
else
  log "cached: $built"
fi

rm -rf "$outdir" && mkdir -p "$outdir"
cp -R "$built/." "$outdir/"
log "OCI layout in $outdir (kernel $KERNEL_VERSION)"
