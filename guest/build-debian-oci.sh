#!/usr/bin/env bash
# Builds a Debian bookworm OCI VM image as an OCI image layout in OUTDIR (one layer): debootstrap with the cloud
# kernel, systemd and initramfs-tools, Cocoon's initramfs-tools hook and boot script (guest/initramfs-tools/)
# installed as a Dockerfile would install them, then update-initramfs. What docs/images.md builds with a
# Dockerfile, made without Docker. Runs as root (debootstrap configures the packages in a chroot). Not cached
# here: the tests keep the result, keyed by this script, guest/lib and guest/initramfs-tools.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/debian.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || die "debootstrap needs root: run as root"
out=$(realpath -m "$1")
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/debian-oci.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS
root=$work/root

# busybox: the applets the boot script uses in the initramfs; iproute2: `ip` in the running VM.
make_debian_root "$root" busybox iproute2

log "Cocoon's initramfs-tools hook and boot script, then update-initramfs"
cp -R "$GUEST_DIR/initramfs-tools/." "$root/etc/initramfs-tools/"
chroot "$root" update-initramfs -u -k all >&2
# The root is the overlay the boot script mounts, not a disk with a label; /dev is the kernel's devtmpfs
# (debootstrap's device nodes would be whiteouts' look-alikes in a layer); the guest's DNS comes from the host
# (cocoon.net=), not from the machine that built the image.
printf '# The root file system is mounted by Cocoon'"'"'s boot script (boot=cocoon).\n' > "$root/etc/fstab"
find "$root/dev" -mindepth 1 -delete
: > "$root/etc/resolv.conf"
kernel=$(cd "$root/boot" && find . -maxdepth 1 -type f -name 'vmlinuz-*' -printf '%P\n' | sort -V | tail -1)
[[ -n $kernel && -f $root/boot/initrd.img-${kernel#vmlinuz-} ]] || die "no kernel and matching initrd in $root/boot"
log "root: $(du -sm "$root" | cut -f1) MiB after $((SECONDS - started)) s"

make_layer_tar "$root" "$work/root.tar.gz"
make_oci_layout "$work/layout" "Debian $DEBIAN_SUITE VM" "${kernel#vmlinuz-}" "$work/root.tar.gz"
rm -rf "$out" && mv "$work/layout" "$out"
log "Debian OCI VM image in $out: $(du -sm "$out" | cut -f1) MiB, kernel ${kernel#vmlinuz-}, built in $((SECONDS - started)) s"
