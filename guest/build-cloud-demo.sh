#!/usr/bin/env bash
# Builds the Cocoon cloud demo: a small UEFI disk image (qcow2) that boots like a cloud image.
#   GPT, partition 1: ESP (FAT32) with systemd-boot as EFI/BOOT/BOOTX64.EFI and one loader entry
#                     (Debian's kernel + an initrd carrying the guest hook, root=LABEL=cocoon-root)
#   GPT, partition 2: ext4 root (label cocoon-root), busybox, /sbin/init reading the NoCloud seed
# No mounts: the FAT is filled with mtools, the ext4 with mke2fs -d, both written in place with dd.
# Only Debian packages (linux-image-amd64, busybox-static, systemd-boot-efi), unpacked. Cached by input.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.qcow2" >&2; exit 2; }
out=$1

ESP_MIB=64
ROOT_MIB=96
# Fixed identifiers so the same inputs give the same image.
DISK_GUID=6f1c0c00-c0c0-4c0c-8c0c-000000000001
ESP_GUID=6f1c0c00-c0c0-4c0c-8c0c-000000000002
ROOT_GUID=6f1c0c00-c0c0-4c0c-8c0c-000000000003
ROOT_UUID=6f1c0c00-c0c0-4c0c-8c0c-000000000004

fetch_guest_packages
SYSTEMD_BOOT=$(unpack_deb "$(fetch_deb systemd-boot-efi)")/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[[ -f $SYSTEMD_BOOT ]] || die "no systemd-bootx64.efi in systemd-boot-efi"

inputs=("$KERNEL_DEB" "$BUSYBOX_DEB" "$SYSTEMD_BOOT" "$0")
mapfile -t -O ${#inputs[@]} inputs < <(find "$GUEST_DIR/lib" "$GUEST_DIR/hook" "$GUEST_DIR/initramfs-tools" "$GUEST_DIR/rootfs" "$GUEST_DIR/cloud-demo" -type f | sort)
built=$GUEST_CACHE/cloud-demo/$(cache_key "${inputs[@]}").qcow2

# Prints the first sector of partition $2 of disk $1.
first_sector() { sgdisk -i "$2" "$1" | awk '/^First sector:/ {print $3}'; }

build_esp() {
  local image=$1 staging=$2
  mkdir -p "$staging/EFI/BOOT" "$staging/loader/entries"
  install -m 0644 "$SYSTEMD_BOOT" "$staging/EFI/BOOT/BOOTX64.EFI"
  install -m 0644 "$KERNEL_ROOT/boot/vmlinuz-$KERNEL_VERSION" "$staging/vmlinuz"
  make_initrd "$staging/initrd.img" "${CLOUD_MODULES[@]}"
  printf 'default cocoon.conf\ntimeout 0\neditor no\n' > "$staging/loader/loader.conf"
  printf 'title Cocoon cloud demo (%s)\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=LABEL=cocoon-root rw console=ttyS0\n' \
    "$KERNEL_VERSION" > "$staging/loader/entries/cocoon.conf"
  fix_mtimes "$staging"
  mkfs.vfat -F 32 -n ESP -i 0c0c0a00 -C "$image" $((ESP_MIB * 1024)) >/dev/null
  MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$image" "$staging"/* ::/
}

build_root() {
  local image=$1 staging=$2
  make_busybox_rootfs "$staging" "$GUEST_DIR/cloud-demo/root"
  fix_mtimes "$staging"
  E2FSPROGS_FAKE_TIME=$GUEST_EPOCH mke2fs -q -t ext4 -L cocoon-root -U "$ROOT_UUID" \
    -E "root_owner=0:0,hash_seed=$ROOT_UUID" -d "$staging" "$image" "${ROOT_MIB}M" >/dev/null
}

build_disk() {
  local work=$1 disk=$1/disk.raw
  log "ESP: systemd-boot, kernel $KERNEL_VERSION, initrd with the guest hook"
  build_esp "$work/esp.img" "$work/esp"
  log "root: busybox ext4"
  build_root "$work/root.img" "$work/root"

  truncate -s $(( (1 + ESP_MIB + ROOT_MIB + 1) * 1024 * 1024 )) "$disk"
  sgdisk -U "$DISK_GUID" \
    -n 1:2048:+${ESP_MIB}M -t 1:ef00 -c 1:ESP -u 1:"$ESP_GUID" \
    -n 2:0:+${ROOT_MIB}M -t 2:8300 -c 2:cocoon-root -u 2:"$ROOT_GUID" "$disk" >/dev/null
  local part image
  for part in 1:esp 2:root; do
    image=$work/${part#*:}.img
    dd if="$image" of="$disk" bs=1M oflag=seek_bytes seek=$(( $(first_sector "$disk" "${part%%:*}") * 512 )) \
      conv=notrunc,sparse status=none
  done
  qemu-img convert -f raw -O qcow2 "$disk" "$work/disk.qcow2"
}

if [[ ! -f $built ]]; then
  mkdir -p "$GUEST_CACHE/cloud-demo"
  work=$(mktemp -d "$GUEST_CACHE/cloud-demo/tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  build_disk "$work"
  mv "$work/disk.qcow2" "$built"
else
  log "cached: $built"
fi

mkdir -p "$(dirname "$out")"
cp "$built" "$out"
log "UEFI cloud image in $out (kernel $KERNEL_VERSION)"
