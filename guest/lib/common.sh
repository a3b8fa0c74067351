# Shared by the guest build scripts: Debian package cache, kernel modules, initrd, reproducible tars.
# Sourced, never run. Everything heavy is cached under GUEST_CACHE, keyed by what it was made from.

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GUEST_CACHE=${COCOON_GUEST_CACHE:-$HOME/.cache/cocoon/guest}
# Every file a build writes gets this time, so the same inputs give the same bytes.
GUEST_EPOCH=1700000000
export LC_ALL=C SOURCE_DATE_EPOCH=$GUEST_EPOCH

# Modules the hook needs on Debian's 6.1 kernel (DESIGN §7); dependencies are added by resolve_modules.
OCI_HOOK_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
  virtio_console crc32c_generic libcrc32c crc16 mbcache jbd2 ext4 erofs overlay evdev button
  failover net_failover virtio_net)
# A cloud guest also reads its NoCloud seed, a FAT disk.
CLOUD_MODULES=("${OCI_HOOK_MODULES[@]}" fat vfat nls_cp437 nls_ascii nls_utf8 nls_iso8859_1)

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Downloads (once) a Debian package, at the given version or apt's candidate, and prints the .deb path.
fetch_deb() {
  local package=$1 version=${2:-} dir
  [[ -n $version ]] || version=$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')
  [[ -n $version && $version != "(none)" ]] || die "apt knows no candidate for $package (run apt-get update)"
  dir=$GUEST_CACHE/debs/$package/$version
  if ! compgen -G "$dir/*.deb" >/dev/null; then
    mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && apt-get -q -o APT::Sandbox::User=root download "$package=$version" >&2) \
      || die "apt-get download $package=$version failed"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  compgen -G "$dir/*.deb" | head -1
}

# Prints the folder where a .deb is unpacked (dpkg-deb -x, never installed), unpacking it once.
unpack_deb() {
  local deb=$1 dir
  dir=$GUEST_CACHE/unpacked/$(basename "$deb" .deb)
  if [[ ! -d $dir ]]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp"
    mv "$dir.tmp" "$dir"
  fi
  printf '%s\n' "$dir"
}

# Sets KERNEL_DEB, KERNEL_ROOT (unpacked), KERNEL_VERSION, and what fetch_busybox sets.
fetch_guest_packages() {
  local meta real version
  meta=$(fetch_deb linux-image-amd64)
  # The metapackage depends on exactly one kernel package, at an exact version: "linux-image-X (= V)".
  read -r real version < <(dpkg-deb -f "$meta" Depends | tr ',' '\n' \
    | sed -n 's/^ *\(linux-image-[0-9][^ ]*-amd64\) (= \([^)]*\)).*/\1 \2/p' | head -1)
  [[ -n $real && -n $version ]] || die "cannot tell which kernel package $meta depends on"
  KERNEL_DEB=$(fetch_deb "$real" "$version")
  KERNEL_ROOT=$(unpack_deb "$KERNEL_DEB")
  KERNEL_VERSION=${real#linux-image-}
  [[ -f $KERNEL_ROOT/boot/vmlinuz-$KERNEL_VERSION ]] || die "no vmlinuz-$KERNEL_VERSION in $KERNEL_DEB"
  fetch_busybox
}

# Sets BUSYBOX_DEB and BUSYBOX (the static binary); all Cocoon's own initrd without modules needs.
fetch_busybox() {
  BUSYBOX_DEB=$(fetch_deb busybox-static)
  BUSYBOX=$(unpack_deb "$BUSYBOX_DEB")/bin/busybox
  [[ -x $BUSYBOX ]] || die "no bin/busybox in $BUSYBOX_DEB"
}

# Prints the kernel's module files for the given names, each after the modules it depends on.
# The package ships no modules.dep (depmod runs at install time), so read each module's .modinfo.
resolve_modules() {
  local moddir=$KERNEL_ROOT/lib/modules/$KERNEL_VERSION
  declare -A path_of=() seen=()
  local file name
  while IFS= read -r file; do
    name=${file##*/}; name=${name%.ko}
    path_of[${name//-/_}]=$file
  done < <(find "$moddir/kernel" -name '*.ko')
  visit() {
    local module=${1//-/_} deps dep
    [[ -n ${seen[$module]:-} ]] && return 0
    [[ -n ${path_of[$module]:-} ]] || die "module $module is not in kernel $KERNEL_VERSION"
    seen[$module]=1
    deps=$(tr '\0' '\n' < "${path_of[$module]}" | grep -a -m1 '^depends=' | cut -d= -f2 || true)
    for dep in ${deps//,/ }; do visit "$dep"; done
    printf '%s\n' "${path_of[$module]#"$moddir/"}"
  }
  local module
  for module in "$@"; do visit "$module"; done
}

# Sets every mtime under a folder to GUEST_EPOCH.
fix_mtimes() { find "$1" -exec touch -h -d "@$GUEST_EPOCH" {} +; }

# Fills a folder with the hook initrd without modules: busybox, the hook as /init and the boot steps it shares with
# the initramfs-tools script. Cocoon ships this as the base it puts a kernel image's modules on (build-hook-initrd.sh).
stage_hook_initrd() {
  local stage=$1
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc/cocoon,lib/modules}
  install -m 0755 "$BUSYBOX" "$stage/bin/busybox"
  install -m 0755 "$GUEST_DIR/hook/init" "$stage/init"
  install -D -m 0644 "$GUEST_DIR/initramfs-tools/scripts/cocoon-functions" "$stage/scripts/cocoon-functions"
}

# Writes a folder as a reproducible gzip newc cpio archive (an initrd, or a piece of one).
write_cpio() {
  local stage=$1 out=$2
  fix_mtimes "$stage"
  (cd "$stage" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -9 > "$out"
}

# Builds a gzip newc initrd: the hook initrd, and the named modules in load order.
make_initrd() {
  local out=$1; shift
  local stage rel
  stage=$(mktemp -d)
  stage_hook_initrd "$stage"
  mkdir -p "$stage/lib/modules/$KERNEL_VERSION"
  resolve_modules "$@" > "$stage/etc/cocoon/modules"
  while IFS= read -r rel; do
    install -D -m 0644 "$KERNEL_ROOT/lib/modules/$KERNEL_VERSION/$rel" "$stage/lib/modules/$KERNEL_VERSION/$rel"
  done < "$stage/etc/cocoon/modules"
  write_cpio "$stage" "$out"
  rm -rf "$stage"
}

# Writes a reproducible gzip tar of a folder's contents (entries without a leading "./").
make_layer_tar() {
  local dir=$1 out=$2
  fix_mtimes "$dir"
  local entries
  mapfile -t entries < <(cd "$dir" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
  tar -C "$dir" --format=gnu --sort=name --mtime="@$GUEST_EPOCH" --numeric-owner --owner=0 --group=0 \
    -cf - -- "${entries[@]}" | gzip -n -9 > "$out"
}

# Fills a folder with a busybox rootfs: the files of each given folder (guest/rootfs first, then the
# demo's own), then a symlink for every applet that no file already provides (e.g. not /sbin/init).
make_busybox_rootfs() {
  local root=$1 applet source; shift
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,mnt,var/log,boot}
  chmod 1777 "$root/tmp"; chmod 0700 "$root/root"
  install -m 0755 "$BUSYBOX" "$root/bin/busybox"
  for source in "$GUEST_DIR/rootfs" "$@"; do cp -R "$source/." "$root/"; done
  while IFS= read -r applet; do
    [[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
  done < <("$BUSYBOX" --list-full)
}

# Moves a file into the layout $2's blobs/sha256 under its digest and prints "<digest> <size>".
add_blob() {
  local file=$1 layout=$2 hex size
  hex=$(sha256_of "$file"); size=$(stat -c %s "$file")
  mv "$file" "$layout/blobs/sha256/$hex"
  printf 'sha256:%s %s\n' "$hex" "$size"
}

# Makes the OCI image layout $1 (oci-layout, index.json with ref name "latest", blobs/sha256/) of one amd64
# image titled $2, version label $3, whose layers are the gzip tars named after them, bottom first (moved in).
# What the image says to run is OCI_RUN_CONFIG, the JSON members of the config's "config" object before "Labels"
# (default: a VM image's "Cmd":["/sbin/init"]).
# OCI media types; config and manifest are written with fixed times, so the same layers give the same digests.
make_oci_layout() {
  local layout=$1 title=$2 version=$3; shift 3
  local media_manifest=application/vnd.oci.image.manifest.v1+json
  local media_config=application/vnd.oci.image.config.v1+json
  local media_layer=application/vnd.oci.image.layer.v1.tar+gzip
  local work layer descriptors='' diff_ids='' digest size
  mkdir -p "$layout/blobs/sha256"
  work=$(mktemp -d "$layout/../layout.XXXXXX")
  for layer in "$@"; do
    diff_ids+="${diff_ids:+,}\"sha256:$(gunzip -c "$layer" | sha256sum | cut -d' ' -f1)\""
    read -r digest size < <(add_blob "$layer" "$layout")
    descriptors+="${descriptors:+,}{\"mediaType\":\"$media_layer\",\"digest\":\"$digest\",\"size\":$size}"
  done

  local created
  created=$(date -u -d "@$GUEST_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  printf '{"architecture":"amd64","os":"linux","created":"%s","config":{%s,"Labels":{"org.opencontainers.image.title":"%s","org.opencontainers.image.version":"%s"}},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$created" "${OCI_RUN_CONFIG:-\"Cmd\":[\"/sbin/init\"]}" "$title" "$version" "$diff_ids" > "$work/config.json"
  local config_digest config_size
  read -r config_digest config_size < <(add_blob "$work/config.json" "$layout")

  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[%s]}' \
    "$media_manifest" "$media_config" "$config_digest" "$config_size" "$descriptors" > "$work/manifest.json"
  local manifest_digest manifest_size
  read -r manifest_digest manifest_size < <(add_blob "$work/manifest.json" "$layout")

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$media_manifest" "$manifest_digest" "$manifest_size" > "$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  rmdir "$work"
}

# Prints a key for a cache entry: the hash of the named files and strings.
cache_key() {
  local item
  for item in "$@"; do
    if [[ -f $item ]]; then sha256_of "$item"; else printf '%s\n' "$item"; fi
  done | sha256sum | cut -c1-24
}
