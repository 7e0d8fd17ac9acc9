#!/usr/bin/env bash
# Checks and times the GPU training step (issue #12) on a GPU machine, in one call, through the
# real Java/JCuda/cuBLAS path. Run from the repository root after training-engine/gpu/prepare-carry.sh
# (and training-engine/gpu/llmc-prepare.sh for the llm.c baseline), carrying .device:
#
#   bash training-engine/gpu/train-check.sh [quick]
#   (LLMC=0 skips llm.c, FLASH_CHECK=0 the flash kernels' own check, LOSS_CHECK=1 adds the loss kernel's)
#
# 0. environment: GPU, driver, libcublas, Java; llm.c's train_gpt2cu starts building in the background.
# 0. cublas-probe.cu: which of the machine's cuBLAS libraries computes, outside Java.
# 1. (GEMM_CHECK=1) cuBLAS through JCublas: products against a CPU reference, and the rate.
# 2. The step against the CPU engine (CudaTrainingCheck): GPT-2, Llama, Qwen2, Qwen3 tiny models in
#    fp32/tf32/bf16, the chunked loss with and without a teacher; the optimizer bit for bit; ten
#    steps of `distillab train` CPU against GPU; resume on the GPU (tolerances: CudaTrainingCheck).
# 3. Flash attention kernels against their CPU reference, when built.
# 4. Timing: GPT-2 124M (B = 16, 32, 64) and the Qwen3-0.6B shape (B = 8, 16) at T = 1024, tokens/s
#    and MFU, each followed by a launch profile (device ms by kernel and product; PROFILE_STEPS=0
#    skips it); then llm.c's train_gpt2cu on the same GPT-2 configuration.
# Logs go to $OUT (or ./out); a short summary is printed last.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
# The device call returns at most 8 files: logs go to a work folder, packed into $OUT/logs.tar.gz
# after every stage (so a run stopped at its limit still returns what it had).
dest="${OUT:-$root/out}"
out="$(mktemp -d /tmp/train-check.XXXX)"
mkdir -p "$dest"
pack() { tar -czf "$dest/logs.tar.gz.tmp" -C "$out" --exclude=cublas-probe . && mv "$dest/logs.tar.gz.tmp" "$dest/logs.tar.gz"; }
mode="${1:-full}"
start=$(date +%s)
source training-engine/gpu/device-env.sh
stamp() { pack 2>/dev/null; echo "[$(( $(date +%s) - start )) s] $*"; }

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
    ls -la /usr/local/cuda/lib64/libcublas* 2>&1 | head
    find / -xdev -name 'libcublas.so*' 2>/dev/null | head
    "$java" -version 2>&1 | head -1
    nproc
} > "$out/env.log" 2>&1
cat "$out/env.log"

if [[ -d .device/llmc && "$mode" != quick && "${LLMC:-1}" == 1 ]]; then
    stamp "llm.c: building train_gpt2cu (plain and cuDNN) in the background"
    bash training-engine/gpu/llmc-bench.sh build > .device/llmc/build.log 2>&1 &
    llmc_b1=$!
    bash training-engine/gpu/llmc-bench.sh build cudnn > .device/llmc/build-cudnn.log 2>&1 &
    llmc_b2=$!
fi

stamp "0. which cuBLAS computes (cublas-probe.cu, outside Java)"
nvcc -O2 -arch=sm_90 training-engine/gpu/cublas-probe.cu -o "$out/cublas-probe" -lcublas > "$out/probe-build.log" 2>&1 \
    || tail -5 "$out/probe-build.log"
for lib in $(dirname $(find / -xdev -path '*site-packages/nvidia/cu13/lib/libcublas.so.13' 2>/dev/null | head -1) 2>/dev/null) \
           /usr/local/cuda/lib64; do
    [[ -f "$lib/libcublas.so.13" ]] || continue
    echo "candidate $lib"
    if LD_LIBRARY_PATH="$lib:$LD_LIBRARY_PATH" "$out/cublas-probe" 2>&1 | tee -a "$out/probe.log"; then
        export DISTILLAB_CUBLAS="$lib"
        break
    fi
done
echo "DISTILLAB_CUBLAS=${DISTILLAB_CUBLAS:-unset (the Java loader searches)}"

if [[ "${GEMM_CHECK:-0}" == 1 ]]; then
    stamp "1. cuBLAS products"
    distillab bench gemm --device cuda --check --dtype f32,tf32,bf16 > "$out/gemm.log" 2>&1
    echo "gemm exit $?"; grep -E '^check.*FAIL|rror|xception' "$out/gemm.log" | head -10
fi

stamp "2. training step against the CPU engine"
distillab bench gpu-train --check --runs --work /tmp/runs-work > "$out/step-check.log" 2>&1
echo "gpu-train --check exit $?"
grep -E '^check' "$out/step-check.log" | grep -v PASS | head -40
grep -E '^checks:|rror|xception' "$out/step-check.log" | head -10

if [[ -f training-engine/src/main/cuda/flash_attention.cu && "${FLASH_CHECK:-1}" == 1 ]]; then
    stamp "3. flash attention"
    distillab bench gpu-train --flash-check > "$out/flash.log" 2>&1
    echo "flash exit $?"; grep -E 'check|time|rror' "$out/flash.log" | grep -v PASS | head -20
fi

if [[ "${LOSS_CHECK:-0}" == 1 ]]; then
    stamp "3b. the loss kernel alone against the CPU (bench loss --check)"
    distillab bench loss --device cuda --check --rows 37 --vocab 1000,50257 --dtype f32,bf16 --teacher dense,sparse \
        --topk 20 --preset kd --kernel auto,s8o4 --warmup 1 --repeats 3 --seed 11 > "$out/loss-check.log" 2>&1
    echo "loss check exit $?"; grep -c '^check.*PASS' "$out/loss-check.log" | xargs echo "loss checks passed:"
    grep -E '^check .*FAIL|rror|xception' "$out/loss-check.log" | head -10
fi

stamp "4. timing"
# --profile 3: three more steps with every launch timed by CUDA events (device ms by kernel and product
# shape, and how busy the device was), printed after each configuration's time line
distillab bench gpu-train --time --model gpt2 --precision bf16 --batch-size "${GPT2_BATCHES:-16,32,64}" --seq-len 1024 --steps 8 \
    --profile "${PROFILE_STEPS:-3}" --json "$out/time.jsonl" > "$out/time-gpt2.log" 2>&1
grep -E '^time|^profile|rror|xception' "$out/time-gpt2.log" | cut -c1-260 | head
if [[ -n "${llmc_b1:-}" ]]; then
    stamp "llm.c: waiting for the builds"
    wait "$llmc_b1" "$llmc_b2"
    cat .device/llmc/build*.log >> "$out/llmc.log"
    export LLMC_LOG="$out/llmc.log"
    for v in "" cudnn; do for B in 16 32; do
        bash training-engine/gpu/llmc-bench.sh run $B 1024 30 $v
    done; done 2>&1 | tee "$out/llmc-summary.txt" | grep -E '^llmc' || tail -20 "$out/llmc-summary.txt"
fi
stamp "5. more timing"
if [[ "${MORE_TIMING:-1}" != 1 ]]; then stamp "done"; pack; exit 0; fi
distillab bench gpu-train --time --model qwen3 --precision bf16 --batch-size 8,16 --seq-len 1024 --steps 6 \
    --profile "${PROFILE_STEPS:-3}" --json "$out/time.jsonl" > "$out/time-qwen3.log" 2>&1
grep -E '^time|^profile|rror|xception' "$out/time-qwen3.log" | cut -c1-260 | head
if [[ "$mode" != quick ]]; then
    distillab bench gpu-train --time --model gpt2 --precision tf32 --batch-size 16 --seq-len 1024 --steps 6 \
        --profile "${PROFILE_STEPS:-3}" --json "$out/time.jsonl" > "$out/time-gpt2-tf32.log" 2>&1
    grep -E '^time|^profile|rror|xception' "$out/time-gpt2-tf32.log" | cut -c1-260 | head
fi

stamp "done"
pack
