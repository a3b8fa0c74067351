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
mapfile -t -O ${#inputs[@]} inputs < <(find "$GUEST_DIR/lib" "$GUEST_DIR/hook" "$GUEST_DIR/rootfs" "$GUEST_DIR/oci-demo" -type f | sort)
built=$GUEST_CACHE/oci-demo/$(cache_key "${inputs[@]}")

media_manifest=application/vnd.oci.image.manifest.v1+json
media_config=application/vnd.oci.image.config.v1+json
media_layer=application/vnd.oci.image.layer.v1.tar+gzip

# Moves a file into blobs/sha256 under its digest and prints "<digest> <size>".
add_blob() {
  local file=$1 layout=$2 hex size
  hex=$(sha256_of "$file"); size=$(stat -c %s "$file")
  mv "$file" "$layout/blobs/sha256/$hex"
  printf 'sha256:%s %s\n' "$hex" "$size"
}

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

  local layer descriptors='' diff_ids='' digest size
  for layer in base top; do
    make_layer_tar "$work/$layer" "$work/$layer.tar.gz"
    diff_ids+="${diff_ids:+,}\"sha256:$(gunzip -c "$work/$layer.tar.gz" | sha256sum | cut -d' ' -f1)\""
    read -r digest size < <(add_blob "$work/$layer.tar.gz" "$layout")
    descriptors+="${descriptors:+,}{\"mediaType\":\"$media_layer\",\"digest\":\"$digest\",\"size\":$size}"
  done

  local created
  created=$(date -u -d "@$GUEST_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"Cmd":["/sbin/init"],"Labels":{"org.opencontainers.image.title":"Cocoon demo VM","org.opencontainers.image.version":"%s"}},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$created" "$KERNEL_VERSION" "$diff_ids" > "$work/config.json"
  local config_digest config_size
  read -r config_digest config_size < <(add_blob "$work/config.json" "$layout")

  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[%s]}' \
    "$media_manifest" "$media_config" "$config_digest" "$config_size" "$descriptors" > "$work/manifest.json"
  local manifest_digest manifest_size
  read -r manifest_digest manifest_size < <(add_blob "$work/manifest.json" "$layout")

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$media_manifest" "$manifest_digest" "$manifest_size" > "$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
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
