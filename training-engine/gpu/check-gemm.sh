#!/usr/bin/env bash
# Checks and times cuBLAS's row-major GEMM (io.distillab.training.cuda.Cublas) on a GPU machine,
# through the real Java/JCublas path: which libcublas CublasLibrary picks (cuBLAS 13 needs the
# retargeted JCublas2 library), then `distillab bench gemm --check` over f32, tf32 and bf16 (small
# odd shapes against a double-precision CPU product, C poisoned with NaN) and the timing at 8192^3
# and GPT-2 124M's products. Run from the repository root after training-engine/gpu/prepare-carry.sh
# (or with java and the built CLI on the machine):
#
#   bash training-engine/gpu/check-gemm.sh [extra bench gemm options]
#
# Logs go to $OUT (or ./out).
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
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
    "$java" -version 2>&1 | head -1
    echo "libcublas on this machine (bounded search):"
    find /usr/local /usr/lib /opt -maxdepth 9 -name 'libcublas*.so*' 2>/dev/null | head -20
    lib="$(find /usr/local /usr/lib /opt -maxdepth 9 -name 'libcublas.so.1[0-9]' 2>/dev/null | head -1)"
    if [[ -n "$lib" ]] && command -v readelf > /dev/null; then
        readelf -d "$lib" | grep -E 'SONAME|NEEDED'
        readelf -V "$lib" | grep -A4 'version_d'
    fi
} > "$out/gemm_env.log" 2>&1
cat "$out/gemm_env.log"
echo "== bench gemm --check (f32, tf32, bf16) and timing =="
"$java" -Xmx32g -cp "$cp" io.distillab.cli.Distillab bench gemm --check --dtype f32,tf32,bf16 \
    --json "$out/gemm.jsonl" "$@" > "$out/gemm.log" 2>&1
rc=$?
cat "$out/gemm.log"
ls -la "${TMPDIR:-/tmp}"/libJCublas2-* 2>/dev/null
if command -v readelf > /dev/null && [[ -f /tmp/libJCublas2-12.6.0-linux-x86_64.so ]]; then
    readelf -d /tmp/libJCublas2-12.6.0-linux-x86_64.so | grep NEEDED
fi
echo "bench gemm exit code: $rc"
exit $rc
