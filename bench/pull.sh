#!/usr/bin/env bash
# OCI pull: `cocoon pull` vs `skopeo copy docker://... oci:DIR` from one loopback docker-registry, of the
# small demo VM image (guest/build-oci-demo.sh: two layers, 11 MB) and of a ~300 MB three-layer image, cold
# (empty store) and warm (already pulled), plus the share of cocoon's cold pull of the large image spent
# converting layers to EROFS (unpacking + mkfs.erofs, timed on their own).
# Usage: bench/pull.sh          (BENCH_RUNS=N changes the runs per figure, default 3; the small image gets 3x)
source "$(dirname -- "$0")/lib.sh"
source "$repo/bench/images.sh"
runs=${BENCH_RUNS:-3}
machine

serve_oci_demo
echo "demo image: $(du -sm "$work/oci-demo/blobs" | cut -f1) MB compressed, pushed to $oci_ref"
small_skopeo=$(bench_time skopeo-small "$((runs * 3))" --prepare "rm -rf $work/skopeo-small" -- \
  "skopeo copy --quiet --src-tls-verify=false docker://$oci_ref oci:$work/skopeo-small:latest")
small_cocoon=$(bench_time cocoon-small "$((runs * 3))" --prepare "rm -rf $COCOON_ROOT_DIR" -- \
  "$cocoon pull --insecure --quiet $oci_ref")

echo "building the image (3 layers of 144 MiB, ~100 MB each gzipped)..."
layers=$(python3 "$repo/bench/make-oci-image.py" "$work/layout" 3 144)
image_mb=$(du -sm "$work/layout/blobs" | cut -f1)
ref="${oci_ref%%/*}/bench/big:latest"
skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:latest" "docker://$ref"
echo "image: $image_mb MB compressed, pushed to $ref"

skopeo_cmd="skopeo copy --quiet --src-tls-verify=false docker://$ref oci:$work/skopeo:latest"
cocoon_cmd="$cocoon pull --insecure --quiet $ref"
cold_skopeo=$(bench_time skopeo-cold "$runs" --prepare "rm -rf $work/skopeo" -- "$skopeo_cmd")
cold_cocoon=$(bench_time cocoon-cold "$runs" --prepare "rm -rf $COCOON_ROOT_DIR" -- "$cocoon_cmd")
warm_skopeo=$(bench_time skopeo-warm "$runs" -- "$skopeo_cmd")
before=$(wc -l < "$work/registry.log")
warm_cocoon=$(bench_time cocoon-warm "$runs" -- "$cocoon_cmd")
# The registry's access log (one line per request, bytes sent in field 10) tells what warm pulls fetched.
warm_layer_bytes=$(tail -n +"$((before + 1))" "$work/registry.log" | awk -v layers="$layers" '
  BEGIN { split(layers, l, " ") }
  /"GET / { for (i in l) if (index($0, l[i])) sum += $10 }
  END { print sum + 0 }')

# The folder path on its own, per layer: gunzip + untar, then mkfs.erofs. Cocoon takes it only with
# erofs_compression set; by default it writes EROFS from the tar stream as the layer downloads.
unpack=0 mkfs=0
for digest in $layers; do
  rm -rf "$work/tree" "$work/layer.erofs" && mkdir "$work/tree"
  start=$(date +%s.%N)
  tar -xzf "$work/layout/blobs/sha256/${digest#sha256:}" -C "$work/tree"
  mid=$(date +%s.%N)
  mkfs.erofs --quiet --preserve-mtime "$work/layer.erofs" "$work/tree"
  end=$(date +%s.%N)
  unpack=$(python3 -c "print($unpack + $mid - $start)")
  mkfs=$(python3 -c "print($mkfs + $end - $mid)")
done

echo
echo "mean of $runs runs (the demo image: $((runs * 3)))   (ratio = cocoon / skopeo)"
row "skopeo copy, demo image, cold" "$small_skopeo"
row "cocoon pull, demo image, cold" "$small_cocoon" "$small_skopeo"
row "skopeo copy, cold" "$cold_skopeo"
row "cocoon pull, cold" "$cold_cocoon" "$cold_skopeo"
row "skopeo copy, warm" "$warm_skopeo"
row "cocoon pull, warm" "$warm_cocoon" "$warm_skopeo"
echo "layer bytes served during warm cocoon pulls: $warm_layer_bytes"
row "  folder path alone: tar -xzf of the 3 layers" "$unpack"
row "  folder path alone: mkfs.erofs of the 3 layers" "$mkfs"
python3 -c "print(f'the folder path (erofs_compression set) alone, against the cold pull: mkfs.erofs {100 * $mkfs / $cold_cocoon:.0f} %, with tar -xzf {100 * ($unpack + $mkfs) / $cold_cocoon:.0f} %')"
machine
