#!/usr/bin/env bash
# Runs flash_attention.cu's kernels on the CPU (cuda_emulation.h) against a double reference:
# a logic check of indexing, masking and barriers for machines without a GPU (needs g++ with
# C++20). Not part of the Maven build; the device check is FlashAttentionCheck.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Device shared memory becomes one host array; everything else compiles as it is.
sed 's/^extern __shared__ float4 dynamic_shared\[\];/float4 dynamic_shared[60000];/' \
    "$here/../../main/cuda/flash_attention.cu" > "$work/flash_attention_emulated.cu"
grep -q '^float4 dynamic_shared\[60000\];' "$work/flash_attention_emulated.cu"
g++ -std=c++20 -O2 -pthread -Wno-unknown-pragmas -I"$here" -DFLASH_SOURCE="\"$work/flash_attention_emulated.cu\"" \
    -x c++ "$here/emulate_flash_attention.cpp" -o "$work/emulate"
"$work/emulate"
