#!/usr/bin/env python3
"""Adds one tar+gzip layer holding a single file of MIB MiB of random bytes at PATH to the image tagged
`latest` in the OCI image layout LAYOUT (as build-oci-demo.sh makes it), rewriting its config, manifest
and index. Random bytes so that neither gzip nor any transport compression shrinks what is timed.
Usage: add-file-layer.py LAYOUT PATH MIB      e.g. add-file-layer.py /tmp/demo var/www/big.bin 16
"""
import gzip, hashlib, io, json, os, random, sys, tarfile

layout, path, mib = sys.argv[1], sys.argv[2].lstrip("/"), int(sys.argv[3])
blobs = os.path.join(layout, "blobs", "sha256")


def read_blob(digest):
    with open(os.path.join(blobs, digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def write_blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


content = random.Random(17).randbytes(mib * 1024 * 1024)
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    info = tarfile.TarInfo(path)
    info.size, info.mode, info.mtime = len(content), 0o644, 1700000000
    tar.addfile(info, io.BytesIO(content))
layer_digest, layer_size = write_blob(gzip.compress(raw.getvalue(), compresslevel=1, mtime=0))

index_path = os.path.join(layout, "index.json")
with open(index_path) as f:
    index = json.load(f)
entry, = (m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "latest")
manifest = json.loads(read_blob(entry["digest"]))
config = json.loads(read_blob(manifest["config"]["digest"]))

config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
manifest["config"]["digest"], manifest["config"]["size"] = write_blob(json.dumps(config).encode())
manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                           "digest": layer_digest, "size": layer_size})
entry["digest"], entry["size"] = write_blob(json.dumps(manifest).encode())
with open(index_path, "w") as f:
    json.dump(index, f)
