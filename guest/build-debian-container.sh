#!/usr/bin/env bash
# Builds a Debian bookworm container image (no kernel, no init: what `docker pull debian` gives, plus python3) as an
# OCI image layout in OUTDIR (one layer): debootstrap minbase with python3. Its config says Cmd ["/bin/bash"], an Env
# and a WorkingDir, so it boots with a kernel Cocoon supplies and runs that command under Cocoon's small PID 1.
# Runs as root (debootstrap configures the packages in a chroot). Not cached here: the tests keep the result, keyed
# by this script and guest/lib; debootstrap's .debs are kept in $GUEST_CACHE/debootstrap/.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/debian.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || die "debootstrap needs root: run as root"
out=$(realpath -m "$1")
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/debian-container.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS
root=$work/root

make_debian_container_root "$root" python3
[[ ! -e $root/sbin/init && -z $(find "$root/boot" -mindepth 1 -print -quit 2>/dev/null) ]] ||
  die "$root has an init or boot files: not a container image"
log "root: $(du -sm "$root" | cut -f1) MiB after $((SECONDS - started)) s"

make_layer_tar "$root" "$work/root.tar.gz"
# What Debian's own image says, plus a variable and a working directory for the tests to see.
OCI_RUN_CONFIG='"Cmd":["/bin/bash"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8","COCOON_IMAGE=debian-container"],"WorkingDir":"/root"' \
  make_oci_layout "$work/layout" "Debian $DEBIAN_SUITE container" "$DEBIAN_SUITE" "$work/root.tar.gz"
rm -rf "$out" && mv "$work/layout" "$out"
log "Debian container image in $out: $(du -sm "$out" | cut -f1) MiB, built in $((SECONDS - started)) s"
