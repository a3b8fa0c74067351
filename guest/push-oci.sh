#!/usr/bin/env bash
# Pushes an OCI image layout (as made by build-oci-demo.sh) to a registry, plain HTTP allowed.
# Usage: push-oci.sh OUTDIR REGISTRY/REPO:TAG    e.g. push-oci.sh /tmp/demo 127.0.0.1:5000/cocoon/demo:latest
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 OUTDIR REGISTRY/REPO:TAG" >&2; exit 2; }
layout=$1 destination=$2
[[ -f $layout/index.json && -f $layout/oci-layout ]] || { echo "$0: $layout is not an OCI image layout" >&2; exit 1; }

skopeo copy --quiet --dest-tls-verify=false "oci:$layout" "docker://$destination"
echo "pushed $layout to $destination"
