#!/usr/bin/env bash
# Boots the demo guests with plain QEMU under TCG, drives their console, and powers them off over QMP.
#   oci:   build-oci-demo.sh, one EROFS disk per layer + an ext4 COW disk, direct kernel boot through the
#          guest hook; checks the banner, the whiteout, the hostname, and that a file survives a
#          power-button shutdown and a second boot.
#   cloud: build-cloud-demo.sh, a NoCloud cidata disk made with mtools, UEFI boot (OVMF + systemd-boot);
#          checks the banner carries the hostname from meta-data, then powers off.
# Usage: smoke-test.sh [oci|cloud|all]   (default all). Exits non-zero on the first failure.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

what=${1:-all}
case $what in oci|cloud|all) ;; *) echo "usage: $0 [oci|cloud|all]" >&2; exit 2 ;; esac

BOOT_TIMEOUT=${SMOKE_BOOT_TIMEOUT:-240}
STEP_TIMEOUT=${SMOKE_STEP_TIMEOUT:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/cocoon-smoke.XXXXXX")
qemu_pid=''

cleanup() {
  [[ -n $qemu_pid ]] && kill "$qemu_pid" 2>/dev/null
  exec 7>&- 8>&- 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { printf '%s\n' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

stage_start=$(now)
stage() { log "[$(since "$stage_start") s] $*"; stage_start=$(now); }

fail() {
  log "FAIL: $*"
  if [[ -f $work/console.log ]]; then
    log "last console lines:"; tail -n 40 "$work/console.log" >&2
  fi
  exit 1
}

# Starts QEMU with its serial console and QMP on FIFOs: fd 7 types on the console, fd 8 talks QMP.
start_qemu() {
  rm -f "$work"/{console,qmp}.{in,out} "$work/console.log" "$work/qmp.log"
  mkfifo "$work"/{console,qmp}.{in,out}
  qemu-system-x86_64 -accel tcg -machine q35 -m 512 -smp 1 -nodefaults -display none -no-reboot \
    -chardev "pipe,id=console,path=$work/console" -serial chardev:console \
    -chardev "pipe,id=qmp,path=$work/qmp" -mon chardev=qmp,mode=control \
    "$@" 2> "$work/qemu.err" &
  qemu_pid=$!
  cat "$work/console.out" > "$work/console.log" &
  cat "$work/qmp.out" > "$work/qmp.log" &
  exec 7<> "$work/console.in" 8<> "$work/qmp.in"
  qemu_started=$(now)
}

# Waits until the console shows a line containing $1 (fixed string), at most $2 seconds.
wait_console() {
  local text=$1 deadline=$(( SECONDS + $2 ))
  until grep -qF -- "$text" "$work/console.log" 2>/dev/null; do
    kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited before the console showed '$text': $(cat "$work/qemu.err")"
    (( SECONDS < deadline )) || fail "no '$text' on the console within $2 s"
    sleep 0.1
  done
}

# Types a command line on the guest's console.
type_line() { printf '%s\n' "$1" >&7; }

# Presses the ACPI power button over QMP and waits for the guest to power QEMU off.
power_off() {
  local text=$1
  printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"system_powerdown"}' >&8
  wait_console "$text" "$STEP_TIMEOUT"
  local deadline=$(( SECONDS + STEP_TIMEOUT ))
  while kill -0 "$qemu_pid" 2>/dev/null; do
    (( SECONDS < deadline )) || fail "the guest said '$text' but QEMU did not exit within $STEP_TIMEOUT s"
    sleep 0.1
  done
  wait "$qemu_pid" || true
  qemu_pid=''
  exec 7>&- 8>&-
}

# Waits for the banner and logs how long the boot took, from QEMU start and from the first kernel line.
wait_banner() {
  local banner=$1 kernel_seen=''
  local deadline=$(( SECONDS + BOOT_TIMEOUT ))
  until grep -qF -- "$banner" "$work/console.log" 2>/dev/null; do
    if [[ -z $kernel_seen ]] && grep -q 'Linux version' "$work/console.log" 2>/dev/null; then kernel_seen=$(now); fi
    kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited before the banner: $(cat "$work/qemu.err")"
    (( SECONDS < deadline )) || fail "no '$banner' within $BOOT_TIMEOUT s"
    sleep 0.1
  done
  local from_qemu from_kernel=unknown
  from_qemu=$(since "$qemu_started")
  [[ -n $kernel_seen ]] && from_kernel=$(since "$kernel_seen")
  stage "banner '$banner': ${from_qemu} s after QEMU started, ${from_kernel} s after the kernel's first line"
  local complaint
  complaint=$(grep -E 'not found|mount: mounting|cannot load|cocoon: ' "$work/console.log" | head -1 || true)
  [[ -z $complaint ]] || fail "the guest complained while booting: $complaint"
}

# Unpacks an OCI layer (gzip tar) into a folder and turns its whiteouts into overlayfs ones (0/0 char devices).
unpack_layer() {
  local blob=$1 dir=$2 whiteout name
  mkdir -p "$dir"
  tar -xzf "$blob" -C "$dir" --numeric-owner
  while IFS= read -r -d '' whiteout; do
    name=${whiteout##*/.wh.}
    [[ $name != .wh..opq ]] || fail "opaque directories are not handled by this test: $whiteout"
    rm -f "$whiteout"
    mknod "${whiteout%/*}/$name" c 0 0
  done < <(find "$dir" -name '.wh.*' -print0)
}

smoke_oci() {
  "$GUEST_DIR/build-oci-demo.sh" "$work/oci"
  stage "OCI layout built"

  local manifest layers=() digest
  manifest=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$work/oci/index.json" | head -1 | cut -d: -f3 | tr -d '"')
  mapfile -t layers < <(grep -o '"digest":"sha256:[0-9a-f]*"' "$work/oci/blobs/sha256/$manifest" \
    | tail -n +2 | cut -d: -f3 | tr -d '"')
  (( ${#layers[@]} >= 2 )) || fail "the manifest has ${#layers[@]} layer(s), expected at least 2"

  # One EROFS disk per layer, serial = the first 20 hex digits of its digest (virtio's limit), bottom first.
  local serials=() erofs=() index=0
  mkdir -p "$GUEST_CACHE/erofs"
  for digest in "${layers[@]}"; do
    local image=$GUEST_CACHE/erofs/$digest.erofs
    if [[ ! -f $image ]]; then
      unpack_layer "$work/oci/blobs/sha256/$digest" "$work/layer$index"
      mkfs.erofs --quiet -T "$GUEST_EPOCH" "$image.tmp" "$work/layer$index" && mv "$image.tmp" "$image"
    fi
    erofs+=("$image"); serials+=("${digest:0:20}")
    index=$((index + 1))
  done
  tar -xzf "$work/oci/blobs/sha256/${layers[0]}" -C "$work" --wildcards 'boot/vmlinuz-*' 'boot/initrd.img-*'
  local top_first
  top_first=$(printf '%s\n' "${serials[@]}" | tac | paste -sd,)
  truncate -s 256M "$work/cow.raw"
  mkfs.ext4 -q -F -L cocoon-cow "$work/cow.raw"
  stage "EROFS layers and COW disk ready (cocoon.layers=$top_first)"

  # The COW disk is attached first and the layers bottom first: the hook must go by serial, not order.
  local disks=(-drive "if=none,id=cow,file=$work/cow.raw,format=raw"
               -device virtio-blk-pci,drive=cow,serial=cocoon-cow)
  for index in "${!erofs[@]}"; do
    disks+=(-drive "if=none,id=layer$index,file=${erofs[$index]},format=raw,readonly=on"
            -device "virtio-blk-pci,drive=layer$index,serial=${serials[$index]}")
  done
  local boot=(-kernel "$(echo "$work"/boot/vmlinuz-*)" -initrd "$(echo "$work"/boot/initrd.img-*)"
              -append "console=ttyS0 cocoon.layers=$top_first cocoon.cow=cocoon-cow")

  start_qemu "${boot[@]}" "${disks[@]}"
  wait_banner "Cocoon demo VM ready"
  grep -F 'cocoon-hook: switching root' "$work/console.log" | tail -1 >&2 || true
  wait_console 'cocoon# ' "$STEP_TIMEOUT"
  type_line 'echo "doomed:$(test -e /etc/cocoon-doomed && echo present || echo absent) host:$(hostname) motd:$(head -c 10 /etc/motd)"'
  wait_console 'doomed:absent host:cocoon-demo motd:Welcome to' "$STEP_TIMEOUT"
  type_line 'echo kept > /root/marker && sync && echo "wrote:$(cat /root/marker)"'
  wait_console 'wrote:kept' "$STEP_TIMEOUT"
  stage "shell answered: /etc/cocoon-doomed is gone, hostname and motd are right, wrote /root/marker"
  power_off "Cocoon demo VM powering off"
  stage "powered off by the ACPI power button"

  start_qemu "${boot[@]}" "${disks[@]}"
  wait_banner "Cocoon demo VM ready"
  wait_console 'cocoon# ' "$STEP_TIMEOUT"
  type_line 'echo "marker:$(cat /root/marker)"'
  wait_console 'marker:kept' "$STEP_TIMEOUT"
  stage "second boot: /root/marker survived on the COW disk"
  power_off "Cocoon demo VM powering off"
  stage "powered off again"
}

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

smoke_cloud() {
  "$GUEST_DIR/build-cloud-demo.sh" "$work/cloud.qcow2"
  stage "UEFI cloud image built"

  # As Cocoon runs a cloud image: a qcow2 overlay on the base, a NoCloud seed, a private copy of the UEFI vars.
  qemu-img create -q -f qcow2 -F qcow2 -b "$work/cloud.qcow2" "$work/overlay.qcow2"
  printf 'instance-id: smoke-1\nlocal-hostname: smoke-cloud\n' > "$work/meta-data"
  printf '#cloud-config\n' > "$work/user-data"
  MTOOLS_SKIP_CHECK=1 mformat -i "$work/cidata.img" -C -f 1440 -v cidata ::
  MTOOLS_SKIP_CHECK=1 mcopy -i "$work/cidata.img" "$work/meta-data" "$work/user-data" ::/
  cp "$OVMF_VARS" "$work/vars.fd"
  stage "overlay, cidata seed and UEFI vars ready"

  start_qemu \
    -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
    -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd" \
    -drive "if=none,id=disk,file=$work/overlay.qcow2,format=qcow2" -device virtio-blk-pci,drive=disk \
    -drive "if=none,id=seed,file=$work/cidata.img,format=raw,readonly=on" -device virtio-blk-pci,drive=seed
  wait_banner "Cocoon cloud demo ready: hostname=smoke-cloud"
  wait_console 'cocoon# ' "$STEP_TIMEOUT"
  type_line 'echo "host:$(hostname) root:$(awk '"'"'$2 == "/" {print $3}'"'"' /proc/mounts)"'
  wait_console 'host:smoke-cloud root:ext4' "$STEP_TIMEOUT"
  stage "shell answered: hostname from meta-data, ext4 root"
  power_off "Cocoon demo VM powering off"
  stage "powered off by the ACPI power button"
}

case $what in
  oci) smoke_oci ;;
  cloud) smoke_cloud ;;
  all) smoke_oci; smoke_cloud ;;
esac
log "smoke test passed ($what)"
