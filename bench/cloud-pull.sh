#!/usr/bin/env bash
# Cloud image pull: `cocoon pull URL` vs `curl -o` of the same ~500 MB qcow2 plus `qemu-img info`,
# from a loopback python3 http.server; also a re-pull of the cached image.
# Usage: bench/cloud-pull.sh          (BENCH_RUNS=N changes the runs per figure, default 3)
source "$(dirname -- "$0")/lib.sh"
runs=${BENCH_RUNS:-3}
machine

echo "building a qcow2 with 500 MiB of data (2/3 random, 1/3 text) in 2 GiB..."
mkdir "$work/www"
python3 - "$work/disk.raw" <<'PY'
import random, sys
rng = random.Random(7)
block = 64 * 1024
text = (b"cocoon bench: a line of text that repeats and compresses well\n" * 1100)[:block]
with open(sys.argv[1], "wb") as f:
    f.truncate(2 << 30)
    for k in range(500 * 16):
        f.seek(k * 4 * block)  # data in every fourth 64 KiB cluster, holes between
        f.write(text if k % 3 == 2 else rng.randbytes(block))
PY
qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$work/www/bench.qcow2"
rm "$work/disk.raw"
echo "image: $(du -m "$work/www/bench.qcow2" | cut -f1) MB qcow2"
port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" > /dev/null 2>&1 &
pids+=($!)
wait_for_port "$port"
url="http://127.0.0.1:$port/bench.qcow2"

curl_cmd="curl -fsS -o $work/curl.qcow2 $url && qemu-img info $work/curl.qcow2 > /dev/null"
cocoon_cmd="$cocoon pull --quiet $url"
curl_time=$(bench_time curl "$runs" --prepare "rm -f $work/curl.qcow2" -- "$curl_cmd")
cold=$(bench_time cocoon-cold "$runs" --prepare "rm -rf $COCOON_ROOT_DIR" -- "$cocoon_cmd")
warm=$(bench_time cocoon-warm "$runs" -- "$cocoon_cmd")

echo
echo "mean of $runs runs          (ratio = cocoon / curl)"
row "curl -o + qemu-img info" "$curl_time"
row "cocoon pull, cold" "$cold" "$curl_time"
row "cocoon pull, already pulled" "$warm" "$curl_time"
machine
