#!/usr/bin/env python3
"""Writes an OCI image layout of LAYERS tar+gzip layers of about MIB_PER_LAYER MiB (uncompressed) each.

Every layer holds 4 MiB files made of 64 KiB blocks: two thirds random bytes, one third a repeated
text line, so gzip shrinks a layer to about 70 % -- like real root filesystems, unlike /dev/zero
or pure noise. Usage: make-oci-image.py OUTDIR LAYERS MIB_PER_LAYER
"""
import gzip, hashlib, io, json, os, random, sys, tarfile

out, layers, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
rng = random.Random(42)
block = 64 * 1024
text = (b"cocoon bench: a line of text that repeats and compresses well\n" * 1100)[:block]


def write_blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


layer_descriptors, diff_ids = [], []
for n in range(layers):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i in range(mib // 4):
            content = b"".join(text if k % 3 == 2 else rng.randbytes(block) for k in range(64))
            info = tarfile.TarInfo(f"data/layer{n}/file{i:04d}.bin")
            info.size, info.mode, info.mtime = len(content), 0o644, 1700000000
            tar.addfile(info, io.BytesIO(content))
    diff_ids.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
    digest, size = write_blob(gzip.compress(raw.getvalue(), compresslevel=1, mtime=0))
    layer_descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                              "digest": digest, "size": size})

config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
config_digest, config_size = write_blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": config_digest, "size": config_size},
                       "layers": layer_descriptors}).encode()
manifest_digest, manifest_size = write_blob(manifest)
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
               "digest": manifest_digest, "size": manifest_size,
               "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
print(" ".join(d["digest"] for d in layer_descriptors))
