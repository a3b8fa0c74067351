# A Debian root made from Debian's packages with debootstrap, and a UEFI GPT disk made from such a root.
# Sourced after common.sh, never run. Two separate steps, because one root serves two images: the cloud
# image (a disk, below) and, later, an OCI VM image (layers made from the same folder).

DEBIAN_SUITE=bookworm
DEBIAN_ROOT_LABEL=debian-root

# The Debian mirror apt already uses on this host (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -E '/debian/?$' | head -1 || true)
  [[ -n $uri ]] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; break}}' | grep -E '/debian/?$' | head -1 || true)
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# Has dpkg leave out documentation and translations in the root $1, as in Debian's -slim container images: put in
# between debootstrap's two stages, so no package installs them.
slim_dpkg() {
  mkdir -p "$1/etc/dpkg/dpkg.cfg.d"
  cat > "$1/etc/dpkg/dpkg.cfg.d/01-cocoon-slim" <<'EOF'
# No documentation or translations in a VM image, as in Debian's -slim container images.
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
}

# Makes a Debian container root in folder $1 (which must not exist): minbase with the packages named after it, no
# kernel, no init system, no boot files, as Debian's own container images are. Runs as root, like make_debian_root.
make_debian_container_root() {
  local root=$1; shift
  local joined mirror
  joined=$(IFS=,; printf '%s' "$*")
  mirror=$(debian_mirror)
  mkdir -p "$GUEST_CACHE/debootstrap"
  log "debootstrap $DEBIAN_SUITE (minbase + $*) from $mirror"
  debootstrap --foreign --variant=minbase --arch=amd64 --components=main --cache-dir="$GUEST_CACHE/debootstrap" \
    ${joined:+--include="$joined"} "$DEBIAN_SUITE" "$root" "$mirror" >&2
  slim_dpkg "$root"
  log "debootstrap second stage"
  DEBIAN_FRONTEND=noninteractive chroot "$root" /debootstrap/debootstrap --second-stage >&2 || {
    tail -40 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap's second stage failed (its log's end is above)"
  }
  local mounted
  mounted=$(findmnt -rn -o TARGET | grep -F "$root" || true)
  [[ -z $mounted ]] || die "debootstrap left mounts under $root: $mounted"
  # /dev is the VM's devtmpfs; the guest's DNS and hostname come from the host (cocoon.net=, cocoon.hostname=).
  find "$root/dev" -mindepth 1 -delete
  : > "$root/etc/resolv.conf"
  printf 'debian\n' > "$root/etc/hostname"
  rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/root/.bash_history
}

# Makes a bootable Debian root in folder $1 (which must not exist) with the packages named after it.
# minbase plus systemd, a kernel and its initramfs; no root password (debootstrap leaves root locked).
# Runs as root: debootstrap's second stage runs the packages' maintainer scripts in a chroot, with /proc
# and /sys mounted by debootstrap itself (no loop devices); nothing stays mounted afterwards.
make_debian_root() {
  local root=$1; shift
  # linux-image-cloud-amd64: Debian's kernel for VMs (100 MB of modules, not 400); dbus: systemd-logind, which
  # turns the ACPI power button into a shutdown; zstd: initramfs-tools' default compression.
  local packages=(systemd-sysv udev dbus linux-image-cloud-amd64 initramfs-tools zstd "$@")
  local joined mirror
  joined=$(IFS=,; printf '%s' "${packages[*]}")
  mirror=$(debian_mirror)
  # Downloaded .debs are kept between builds: a changed script re-downloads nothing.
  mkdir -p "$GUEST_CACHE/debootstrap"
  log "debootstrap $DEBIAN_SUITE (minbase + ${#packages[@]} packages) from $mirror"
  debootstrap --foreign --variant=minbase --arch=amd64 --components=main --cache-dir="$GUEST_CACHE/debootstrap" \
    --include="$joined" "$DEBIAN_SUITE" "$root" "$mirror" >&2

  # Between the stages the packages are unpacked but not configured: what their scripts read goes in now,
  # so the kernel's initramfs is built once, already small.
  mkdir -p "$root/etc/initramfs-tools/conf.d"
  slim_dpkg "$root"
  # MODULES=dep cannot see the VM's hardware from a chroot, and MODULES=most makes a 30 MB initrd that GRUB
  # reads slowly under TCG: only what mounts an ext4 root on virtio-blk, added by a hook (not through the
  # modules file, a conffile that dpkg would ask about).
  printf 'MODULES=list\n' > "$root/etc/initramfs-tools/conf.d/cocoon"
  mkdir -p "$root/etc/initramfs-tools/hooks"
  cat > "$root/etc/initramfs-tools/hooks/cocoon-virtio" <<'HOOK'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
for module in virtio_pci virtio_blk crc32c_generic ext4; do force_load "$module"; done
HOOK
  chmod 0755 "$root/etc/initramfs-tools/hooks/cocoon-virtio"
  # /boot/vmlinuz and /boot/initrd.img follow the newest kernel, so the boot loader needs no update on upgrades.
  printf 'do_symlinks = yes\nlink_in_boot = yes\n' > "$root/etc/kernel-img.conf"
  printf 'LABEL=%s / ext4 rw,discard,errors=remount-ro 0 1\n' "$DEBIAN_ROOT_LABEL" > "$root/etc/fstab"

  log "debootstrap second stage (configures ${#packages[@]} packages and their dependencies)"
  DEBIAN_FRONTEND=noninteractive chroot "$root" /debootstrap/debootstrap --second-stage >&2 || {
    tail -40 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap's second stage failed (its log's end is above)"
  }
  local mounted
  mounted=$(findmnt -rn -o TARGET | grep -F "$root" || true)
  [[ -z $mounted ]] || die "debootstrap left mounts under $root: $mounted"

  # The image is copied to many VMs: each must make its own identity at first boot.
  : > "$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
  printf 'debian\n' > "$root/etc/hostname"
  rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/root/.bash_history
  [[ -e $root/boot/vmlinuz && -e $root/boot/initrd.img ]] || die "no /boot/vmlinuz or /boot/initrd.img in $root"
}

# Prints the first sector of partition $2 of disk $1.
first_sector() { sgdisk -i "$2" "$1" | awk '/^First sector:/ {print $3}'; }

# Makes a UEFI disk (qcow2 $2) from the root in folder $1, without mounting anything:
#   GPT partition 1: FAT ESP (mkfs.vfat + mcopy) with GRUB as EFI/BOOT/BOOTX64.EFI, the removable-media path
#                    firmware boots without any NVRAM entry; its embedded grub.cfg finds the root by label
#   GPT partition 2: the root as ext4 (mkfs.ext4 -d), label $DEBIAN_ROOT_LABEL, last so growpart can grow it
# The partitions are made as files and written into the disk at the offsets sgdisk reports.
make_uefi_disk() {
  local root=$1 out=$2 work
  local esp_mib=64 root_mib=1920
  work=$(mktemp -d "$(dirname "$out")/disk.XXXXXX")

  cat > "$work/grub.cfg" <<EOF
set timeout=0
search --no-floppy --set=root --label $DEBIAN_ROOT_LABEL
linux /boot/vmlinuz root=LABEL=$DEBIAN_ROOT_LABEL ro console=ttyS0
initrd /boot/initrd.img
boot
EOF
  # Only the modules that grub.cfg uses: a 0.6 MB binary instead of 2.9 MB with every module.
  grub-mkstandalone -O x86_64-efi --locales= --fonts= --themes= \
    --modules="part_gpt ext2" \
    --install-modules="normal configfile echo test search search_label part_gpt ext2 linux gzio boot" \
    -o "$work/BOOTX64.EFI" "boot/grub/grub.cfg=$work/grub.cfg"
  mkfs.vfat -F 32 -n ESP -C "$work/esp.img" $((esp_mib * 1024)) >/dev/null
  MTOOLS_SKIP_CHECK=1 mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
  MTOOLS_SKIP_CHECK=1 mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

  truncate -s "${root_mib}M" "$work/root.img"
  mkfs.ext4 -q -L "$DEBIAN_ROOT_LABEL" -E root_owner=0:0 -d "$root" "$work/root.img"

  local disk=$work/disk.raw part image
  truncate -s $(( (1 + esp_mib + root_mib + 1) * 1024 * 1024 )) "$disk"
  sgdisk -n 1:2048:+${esp_mib}M -t 1:ef00 -c 1:ESP -n 2:0:+${root_mib}M -t 2:8300 -c 2:"$DEBIAN_ROOT_LABEL" \
    "$disk" >/dev/null
  for part in 1:esp 2:root; do
    image=$work/${part#*:}.img
    dd if="$image" of="$disk" bs=1M oflag=seek_bytes seek=$(( $(first_sector "$disk" "${part%%:*}") * 512 )) \
      conv=notrunc,sparse status=none
  done
  qemu-img convert -c -f raw -O qcow2 "$disk" "$out"
  rm -rf "$work"
}
