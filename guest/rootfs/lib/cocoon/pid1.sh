# Sourced by the demo images' /sbin/init: what both demos do as PID 1 before and after their own part.

. /etc/profile

# busybox-static has no mountpoint applet; before /proc is mounted nothing counts as mounted.
is_mounted() { grep -q " $1 " /proc/mounts 2>/dev/null; }

# The hook moves /proc, /sys and /dev here; mount them anyway so the image also boots without it.
mount_basics() {
  is_mounted /proc || mount -t proc proc /proc
  is_mounted /sys || mount -t sysfs sysfs /sys
  is_mounted /dev || mount -t devtmpfs devtmpfs /dev
  mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
  mount -t tmpfs tmpfs /run
  mount -t tmpfs -o mode=1777 tmpfs /tmp
}

# busybox acpid runs /etc/acpi/PWRF/00000080 when the ACPI power button is pressed.
start_acpid() {
  acpid -l /run/acpid.log
}

# A root shell on the console (ttyS0 or hvc0, whichever the kernel was given), again whenever it exits.
console_shells() {
  while :; do
    setsid cttyhack sh -l
    sleep 1
  done
}
