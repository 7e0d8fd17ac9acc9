#!/usr/bin/env bash
# Checks and times the fused flash attention (flash_attention.cu through FlashAttention.java) on a
# GPU machine: FlashAttentionCheck's shapes in f32 and bf16 (CUDA-core kernels, and the tensor-core
# kernels where they fit) against its double-precision CPU reference with NaN-poisoned outputs,
# then the forward and backward times at GPT-2 124M and Qwen3-0.6B attention shapes. Run from the
# repository root after training-engine/gpu/prepare-carry.sh (or with java and the built CLI):
#
#   bash training-engine/gpu/check-flash.sh
#
# The log goes to $OUT/flash.log (or ./out); the exit code is 0 when every case passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-$root/out}"
mkdir -p "$out"
if [[ -x .device/jre/bin/java ]]; then java=.device/jre/bin/java; cp=".device/lib/*"
else java="${JAVA:-java}"; cp="cli/target/distillab-cli.jar:cli/target/lib/*"; fi
[[ -n "${DISTILLAB_LIB:-}" ]] && cp="$DISTILLAB_LIB/*"
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/local/cuda/compat; do
    [[ -d "$d" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
{
    date -u
    nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv 2>&1
    "$java" -Xmx24g -cp "$cp" io.distillab.training.model.FlashAttentionCheck
    echo "flash check exit code: $?"
} 2>&1 | tee "$out/flash.log"
grep -q "flash check exit code: 0" "$out/flash.log"
