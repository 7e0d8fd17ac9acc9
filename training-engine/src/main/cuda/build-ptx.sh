#!/usr/bin/env bash
# Compiles every kernel source in this folder to PTX: one file for sm_90 (Hopper, with the
# cluster kernels) and one portable file for compute_75 and newer (no clusters). Each PTX file
# starts with a header naming the SHA-256 of its source (line endings normalised to LF), which
# the loader logs and PtxResourceTest compares with the .cu in the tree.
#
#   build-ptx.sh OUT_DIR     write the PTX into OUT_DIR (the Maven build: target/classes/...)
#   build-ptx.sh --commit    refresh the committed copies under src/main/resources
#
# Without nvcc on the PATH it prints one line and succeeds: the committed PTX is packaged.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ "${1:-}" == "--commit" ]]; then
    out="$here/../resources/io/distillab/training/cuda"
else
    out="${1:?usage: build-ptx.sh OUT_DIR | --commit}"
fi
if ! command -v nvcc >/dev/null 2>&1; then
    echo "build-ptx: nvcc not on the PATH; packaging the committed PTX"
    exit 0
fi
mkdir -p "$out"
nvcc_version="$(nvcc --version | grep -o 'release [0-9.]*, V[0-9.]*' || echo unknown)"
for cu in "$here"/*.cu; do
    name="$(basename "$cu" .cu)"
    sha="$(tr -d '\r' < "$cu" | sha256sum | cut -d' ' -f1)"
    for target in sm_90:compute_90 portable:compute_75; do
        label="${target%%:*}"
        arch="${target##*:}"
        if head -1 "$out/$name.$label.ptx" 2>/dev/null | grep -q "sha256=$sha\$"; then
            continue  # already built from this source
        fi
        tmp="$(mktemp)"
        nvcc -ptx -O3 -std=c++17 -gencode="arch=$arch,code=$arch" "$cu" -o "$tmp"
        {
            echo "// distillab-source: $name.cu sha256=$sha"
            echo "// distillab-target: $label ($arch), nvcc $nvcc_version"
            cat "$tmp"
        } > "$out/$name.$label.ptx.tmp"
        mv "$out/$name.$label.ptx.tmp" "$out/$name.$label.ptx"
        rm -f "$tmp"
    done
    echo "build-ptx: $out/$name.{sm_90,portable}.ptx match $name.cu (sha256 $sha)"
done
