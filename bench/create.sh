#!/usr/bin/env bash
# VM creation from a pulled image: `cocoon create --storage 10G|100G` vs making the same disk by hand,
# `qemu-img create` of a qcow2 overlay (cloud image) and `truncate` + `mkfs.ext4` (OCI image's COW disk).
# Creation must not grow with the disk size. Usage: bench/create.sh   (BENCH_RUNS=N, default 5)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
runs=${BENCH_RUNS:-5}
machine
echo "building and serving the demo images..."
serve_oci_demo
serve_cloud_demo
"$cocoon" pull --insecure --quiet "$oci_ref" > /dev/null
"$cocoon" pull --quiet "$cloud_url" > /dev/null
base=$(ls "$COCOON_ROOT_DIR"/images/cloudimg/blobs/*.qcow2)

remove="$cocoon rm --force bench > /dev/null 2>&1 || true"
declare -A t
for size in 10G 100G; do
  t[oci-$size]=$(bench_time "oci-$size" "$runs" --prepare "$remove" -- \
    "$cocoon create --name bench --network none --storage $size --hypervisor qemu $oci_ref")
  t[ext4-$size]=$(bench_time "ext4-$size" "$runs" --prepare "rm -f $work/cow.raw" -- \
    "truncate -s $size $work/cow.raw && mkfs.ext4 -q -F $work/cow.raw")
  t[cloud-$size]=$(bench_time "cloud-$size" "$runs" --prepare "$remove" -- \
    "$cocoon create --name bench --network none --storage $size --hypervisor qemu $cloud_url")
  t[qcow2-$size]=$(bench_time "qcow2-$size" "$runs" --prepare "rm -f $work/overlay.qcow2" -- \
    "qemu-img create -q -f qcow2 -F qcow2 -b $base $work/overlay.qcow2 $size")
done
"$cocoon" rm --force bench > /dev/null 2>&1 || true

echo
echo "mean of $runs runs          (ratio = cocoon / by hand)"
for size in 10G 100G; do
  row "truncate + mkfs.ext4, $size" "${t[ext4-$size]}"
  row "cocoon create OCI demo, $size" "${t[oci-$size]}" "${t[ext4-$size]}"
  row "qemu-img create overlay, $size" "${t[qcow2-$size]}"
  row "cocoon create cloud demo, $size" "${t[cloud-$size]}" "${t[qcow2-$size]}"
done
row "growth 10G -> 100G, cocoon create OCI" "${t[oci-100G]}" "${t[oci-10G]}"
row "growth 10G -> 100G, cocoon create cloud" "${t[cloud-100G]}" "${t[cloud-10G]}"
machine
