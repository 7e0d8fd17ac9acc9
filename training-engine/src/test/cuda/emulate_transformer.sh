#!/usr/bin/env bash
# Runs transformer.cu's kernels on the CPU (cuda_emulation.h) against double references and a
# bit-exact float AdamW: a logic check of indexing, masking, grids and barriers for machines
# without a GPU (needs g++ with C++20). Not part of the Maven build; the device check is
# CudaTrainingCheck.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# -ffp-contract=off: no fused multiply-adds, so AdamW's float order is kept as written.
g++ -std=c++20 -O2 -pthread -ffp-contract=off -Wno-unknown-pragmas -I"$here" \
    -DTRANSFORMER_SOURCE="\"$here/../../main/cuda/transformer.cu\"" \
    -x c++ "$here/emulate_transformer.cpp" -o "$work/emulate"
"$work/emulate"
