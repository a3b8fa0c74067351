#!/usr/bin/env bash
# Builds Cocoon's own initrd without modules in OUTDIR, as the runtime image ships it (share/):
#   hook-initrd.cpio.gz  gzip newc: static busybox, the guest hook as /init, scripts/cocoon-functions
#   hook-modules         the modules the hook loads, one name a line (OCI_HOOK_MODULES of lib/common.sh)
# At pull of a kernel image (DESIGN §5c) Cocoon appends a cpio of that image's modules, resolved from its modules.dep
# and listed in /etc/cocoon/modules; concatenated cpio archives are one initrd to the kernel. Cached by input.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
outdir=$1

fetch_busybox
inputs=("$BUSYBOX_DEB" "$0" "$GUEST_DIR/lib/common.sh" "$GUEST_DIR/hook/init"
  "$GUEST_DIR/initramfs-tools/scripts/cocoon-functions")
built=$GUEST_CACHE/hook-initrd/$(cache_key "${inputs[@]}")

if [[ ! -f $built/hook-initrd.cpio.gz ]]; then
  mkdir -p "$GUEST_CACHE/hook-initrd"
  work=$(mktemp -d "$GUEST_CACHE/hook-initrd/tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  stage_hook_initrd "$work/stage"
  mkdir -p "$work/out"
  write_cpio "$work/stage" "$work/out/hook-initrd.cpio.gz"
  printf '%s\n' "${OCI_HOOK_MODULES[@]}" > "$work/out/hook-modules"
  rm -rf "$built" && mv "$work/out" "$built"
else
  log "cached: $built"
fi

mkdir -p "$outdir"
cp "$built/hook-initrd.cpio.gz" "$built/hook-modules" "$outdir/"
log "hook initrd base in $outdir"
