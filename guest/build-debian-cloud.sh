#!/usr/bin/env bash
# Builds a Debian bookworm cloud image (qcow2) from Debian's packages: debootstrap with the cloud kernel,
# systemd, Debian's own cloud-init (NoCloud only) and openssh-server, on a UEFI GPT disk booted by GRUB.
# No loop mounts. Runs as root (debootstrap configures the packages in a chroot). Not cached here: the
# tests keep the result, keyed by this script and guest/lib.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/debian.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.qcow2" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || die "debootstrap needs root: run as root"
out=$(realpath -m "$1")
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/debian-cloud.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

# ifupdown (with isc-dhcp-client) is what cloud-init renders its network config for; resolvconf lets the
# dns-nameservers it writes reach /etc/resolv.conf; cloud-guest-utils grows the root to the VM's disk.
# python3-cffi-backend is named because debootstrap does not resolve virtual packages, and
# python3-cryptography (cloud-init -> python3-oauthlib) depends on the virtual python3-cffi-backend-api-*.
make_debian_root "$work/root" cloud-init openssh-server sudo ifupdown isc-dhcp-client iproute2 netbase \
  resolvconf cloud-guest-utils python3-cffi-backend

# Cocoon hands its VMs a NoCloud seed disk and nothing else: probing the other clouds' metadata services
# would only cost boot time.
printf 'datasource_list: [ NoCloud, None ]\n' > "$work/root/etc/cloud/cloud.cfg.d/90-cocoon.cfg"
log "root: $(du -sm "$work/root" | cut -f1) MiB after $((SECONDS - started)) s"

make_uefi_disk "$work/root" "$work/disk.qcow2"
mv "$work/disk.qcow2" "$out"
log "Debian cloud image in $out: $(du -m "$out" | cut -f1) MiB, built in $((SECONDS - started)) s"
