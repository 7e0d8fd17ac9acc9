#!/usr/bin/env bash
# Builds and times karpathy/llm.c's train_gpt2.cu (GPT-2 124M from random init, bf16, single GPU,
# no cuDNN, no MPI, no NCCL) on the GPU machine: the baseline our trainer's tokens/s and MFU are
# compared with, in the same device run. The llm.c sources and the synthetic token files come from
# training-engine/gpu/llmc-prepare.sh, run beforehand on the development machine; carry
# `.device/llmc` (2.6 MB: 2.2 MB of token files, 0.34 MB of llm.c source; 3.1 MB with the fallback
# headers) to the device. Nothing is fetched there. Without cuDNN (llm.c's default `make`), llm.c's
# attention is its own kernels around cuBLAS (the T x T scores are materialized), not cuDNN's fused
# flash attention: a build with USE_CUDNN=1 would be faster at T=1024, so say which was compared.
#
#   bash training-engine/gpu/llmc-bench.sh build          # nvcc -> .device/llmc/train_gpt2cu
#   bash training-engine/gpu/llmc-bench.sh run B T STEPS  # one configuration, one summary line
#
# Build time: 9-14 s wall (7.2 s user) for the compile to an object on the shared 2-core development
# machine, nvcc 13.0.88, load average 1 to 3.6 (2026-11-30, six runs); the link adds under a second
# (checked against a stand-in library). The build uses one core, so it can start in the background
# at the beginning of the device run: `bash training-engine/gpu/llmc-bench.sh build > "$OUT/llmc-build.log" 2>&1 & llmc_build=$!`
# and `wait $llmc_build` before the first `run`.
#
# Build flags (llm.c's Makefile for `make train_gpt2cu USE_CUDNN=0 NO_MULTI_GPU=1 NO_USE_MPI=1`, with
# the target fixed): nvcc -O3 --use_fast_math -std=c++17 -DENABLE_BF16
# -gencode arch=compute_90,code=sm_90, without -DMULTI_GPU, -DUSE_MPI or -DENABLE_CUDNN, plus
# -include llmc-cuda13-compat.h (CUDA 13 changed cudaMemAdvise; see that file). The objects need
# only cuBLASLt (no cublas* symbol is referenced; llm.c's Makefile also passes -lcublas), and NVML
# when <nvml.h> is on the include path (llmc/mfu.h then compiles its GPU-info code in). The script
# looks for cublasLt.h and libcublasLt.so* in the CUDA toolkit and in Python's nvidia-* wheels
# (CUDA 13 wheels unpack to site-packages/nvidia/cu13/{include,lib}) and links by full path with an
# rpath; the last resort for headers is .device/llmc/include-fallback (llmc-prepare.sh's
# LLMC_CUBLAS_HEADERS). LLMC_INCLUDE=dir[:dir] adds header directories; LLMC_COMPILE_ONLY=1 stops at
# the object (how it was checked on the development machine, which has nvcc but no cuBLAS: its
# headers came from a CUDA 12.6 copy, and a stand-in libcublasLt.so.13 checked the link line).
#
# `run` starts the model with llm.c's own random init (-e d12: GPT-2 124M, N(0, 0.02) weights,
# seed 42), reads the synthetic shards (-i/-j), turns off what needs files we do not have or is not
# training (-s 0: no sampling, which needs gpt2_tokenizer.bin; -h 0: no HellaSwag; -n 0: no
# checkpoints; one val batch at the first and last step, untimed), and uses llm.c's GPT-2 124M
# recipe flags otherwise (-r 0 no recomputation, -l 6e-4, -c 0.1, AdamW with fp32 master weights,
# no gradient accumulation: total batch = B*T). llm.c times each step with CUDA events around
# forward, backward and update (data loading included) and prints its ms; the summary takes the
# median over the steps after the first LLMC_WARMUP (default 3), so STEPS must exceed that.
# tokens_per_s = B*T / median step time. The default token files hold one val batch of B*T <= 65536
# (B=64 at T=1024); larger batches need llmc_data.py --val-tokens. llm.c's own MFU table has no H200 (it prints -100%), so
# MFU is computed here with llm.c's formula, flops/token = 6*N + 6*L*C*T (N = 124475904 parameters
# with the vocabulary padded to 50304), against peak_tflops: LLMC_PEAK_TFLOPS if set, else llm.c's
# printed peak if it knows the GPU, else the dense bf16 datasheet figure for the H200 (989.4; H200
# NVL 835.5). LLMC_ARGS appends llm.c flags (e.g. "-r 1" or "-ge 2"). The full llm.c log goes to
# $OUT (or .device/llmc/logs)/llmc-B<B>-T<T>.log.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
dir=.device/llmc
bin="$dir/train_gpt2cu"
here="training-engine/gpu"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"

die() { echo "llmc-bench: $*" >&2; exit 2; }
[[ -f "$dir/src/train_gpt2.cu" ]] || die "no $dir/src/train_gpt2.cu: run $here/llmc-prepare.sh and carry $dir"

# Directories where a CUDA 13 machine may keep cuBLAS: the toolkit, the system, Python's wheels.
cuda_home() {  # the toolkit nvcc belongs to (nvcc may be a wrapper script elsewhere on PATH)
    local top
    top="$("$NVCC" -dryrun -x cu /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p' | head -1)"
    if [[ -n "$top" && -d "$top" ]]; then (cd "$top" && pwd); else echo "${CUDA_HOME:-/usr/local/cuda}"; fi
}
wheel_dirs() {  # site-packages/nvidia/<pkg> directories of the python3 on PATH, if any
    python3 - 2> /dev/null <<'PY' || true
import glob, os
try:
    import nvidia
    for base in nvidia.__path__:
        for d in sorted(glob.glob(os.path.join(base, "*"))):
            if os.path.isdir(d):
                print(d)
except ImportError:
    pass
PY
}
find_file() {  # first match of a file-name glob in the given directories
    local pattern="$1" d f; shift
    for d in "$@"; do
        for f in "$d"/$pattern; do [[ -e "$f" ]] && { echo "$f"; return 0; }; done
    done
    return 1
}

build() {
    local nvcc="$NVCC" cuda wheels=() inc_dirs=() lib_dirs=()
    cuda="$(cuda_home)"
    mapfile -t wheels < <(wheel_dirs)
    IFS=: read -r -a inc_dirs <<< "${LLMC_INCLUDE:-}"
    lib_dirs=("$cuda/lib64" "$cuda/targets/x86_64-linux/lib" /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64)
    for w in "${wheels[@]}"; do inc_dirs+=("$w/include"); lib_dirs+=("$w/lib"); done
    inc_dirs+=("$root/$dir/include-fallback")  # from llmc-prepare.sh's LLMC_CUBLAS_HEADERS, if given

    local flags=(-O3 --use_fast_math -std=c++17 -DENABLE_BF16 -gencode arch=compute_90,code=sm_90
                 -include "$root/$here/llmc-cuda13-compat.h")
    # Add an include directory only when nvcc does not already see cuBLAS (an -I of a default
    # directory such as /usr/include breaks libstdc++'s #include_next).
    if ! printf '#include <cublasLt.h>\n#include <cublas_v2.h>\n' | "$nvcc" -E -x cu - -o /dev/null 2> /dev/null; then
        local hdr
        hdr="$(find_file cublasLt.h "${inc_dirs[@]}")" || die "cublasLt.h not found in ${inc_dirs[*]}"
        flags+=(-I"$(dirname "$hdr")")
        [[ "$hdr" == */include-fallback/* ]] && echo "llmc build: NOTE no cuBLAS headers on this machine; using the fallback copy $hdr"
    fi

    local link=() lt nvml_lib
    if [[ "${LLMC_COMPILE_ONLY:-0}" != 1 ]]; then
        lt="$(find_file 'libcublasLt.so' "${lib_dirs[@]}" || find_file 'libcublasLt.so.[0-9]*' "${lib_dirs[@]}")" \
            || die "libcublasLt.so* not found in ${lib_dirs[*]} (LLMC_COMPILE_ONLY=1 compiles without linking)"
        link+=(-Xlinker "$lt" -Xlinker -rpath -Xlinker "$(dirname "$lt")")  # nvcc takes no *.so.N operand
        # llmc/mfu.h uses NVML exactly when <nvml.h> is visible to the compile.
        if printf '#include <nvml.h>\n' | "$nvcc" -E -x cu "${flags[@]}" - -o /dev/null 2> /dev/null; then
            # the toolkit's link stub, else the driver's own library (nvidia-smi needs it too)
            nvml_lib="$(find_file 'libnvidia-ml.so*' "$cuda/lib64/stubs" "$cuda/targets/x86_64-linux/lib/stubs" \
                /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 "${lib_dirs[@]}" \
                || ldconfig -p 2> /dev/null | sed -n 's/.*libnvidia-ml\.so\.1 .*=> //p' | head -1)"
            [[ -n "$nvml_lib" ]] || die "nvml.h is visible (llmc/mfu.h then calls NVML) but no libnvidia-ml.so* was found"
            link+=(-Xlinker "$nvml_lib")
        fi
    fi

    local out="$bin" mode=(); [[ "${LLMC_COMPILE_ONLY:-0}" == 1 ]] && { out="$dir/train_gpt2cu.o"; mode=(-c); }
    echo "llmc build: $("$nvcc" --version | tail -1)"
    echo "llmc build: $nvcc ${mode[*]} ${flags[*]} $dir/src/train_gpt2.cu ${link[*]} -o $out"
    local t0=$SECONDS
    (cd "$dir/src" && "$nvcc" "${mode[@]}" "${flags[@]}" train_gpt2.cu "${link[@]}" -o "$root/$out.tmp") \
        || { echo "llmc build: FAILED"; exit 1; }
    mv "$out.tmp" "$out"
    echo "llmc build ok: $out in $((SECONDS - t0)) s"
}

run() {
    local B="$1" T="$2" steps="$3" warmup="${LLMC_WARMUP:-3}"
    [[ "$B" =~ ^[0-9]+$ && "$T" =~ ^[0-9]+$ && "$steps" =~ ^[0-9]+$ ]] || die "run needs B T STEPS as integers"
    (( steps > warmup )) || die "STEPS $steps must exceed the $warmup warm-up steps (LLMC_WARMUP)"
    [[ -x "$bin" ]] || die "no $bin: run '$0 build' first (and wait for it)"
    if [[ ! -f "$dir/data/synthetic_train.bin" ]]; then
        python3 "$here/llmc_data.py" "$dir/data" > /dev/null || die "could not write the token files"
    fi
    local logs="${OUT:-$dir/logs}" log
    mkdir -p "$logs"
    log="$logs/llmc-B$B-T$T.log"
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/local/cuda/compat; do
        [[ -d "$d" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
    done
    # shellcheck disable=SC2086  # LLMC_ARGS is a list of flags
    local line_buffered=(); command -v stdbuf > /dev/null && line_buffered=(stdbuf -oL)  # keep the log if it dies
    (cd "$dir" && "${line_buffered[@]}" ./train_gpt2cu -e d12 -i data/synthetic_train.bin -j data/synthetic_val.bin \
        -b "$B" -t "$T" -x "$steps" -v 1000000 -m 1 -s 0 -h 0 -n 0 -r 0 -l 0.0006 -c 0.1 ${LLMC_ARGS:-}) \
        > "$log" 2>&1
    local rc=$?
    python3 - "$log" "$B" "$T" "$steps" "$warmup" "$rc" "${LLMC_PEAK_TFLOPS:-}" <<'PY'
import re, statistics, sys
log, B, T, steps, warmup, rc, peak_env = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7]
text = open(log, errors="replace").read()
step_re = re.compile(r"^step\s+(\d+)/\d+ \| loss ([-\d.naif]+) .*?\| ([\d.]+) ms \| ([-\d.]+)% bf16 MFU", re.M)
rows = [(int(s), float(loss), float(ms), float(mfu)) for s, loss, ms, mfu in step_re.findall(text)]
def table(key):
    m = re.search(r"^\| " + re.escape(key) + r"\s*\| (.*?)\s*\|$", text, re.M)
    return m.group(1) if m else None
timed = [r for r in rows if r[0] > warmup]
if rc != 0 or len(timed) == 0:
    tail = " / ".join(text.strip().splitlines()[-3:])
    print(f"llmc B={B} T={T} steps={steps} FAILED rc={rc} timed_steps={len(timed)} log={log}: {tail}")
    sys.exit(1)
ms = statistics.median(r[2] for r in timed)
n, L, C = int(table("num_parameters")), int(table("num_layers L")), int(table("channels C"))
device, llmc_peak = table("device"), float(table("peak TFlops") or -1)
flops_per_token = 6 * n + 6 * L * C * T  # llm.c's gpt2_estimate_mfu
if peak_env:
    peak, src = float(peak_env), "LLMC_PEAK_TFLOPS"
elif llmc_peak > 0:
    peak, src = llmc_peak, "llm.c"
elif device and "H200" in device:
    peak, src = (835.5 if "NVL" in device else 989.4), "H200 datasheet dense bf16"
else:
    peak, src = float("nan"), "unknown GPU"
tok_s = B * T / (ms / 1000)
mfu = tok_s * flops_per_token / (peak * 1e12)
llmc_mfu = statistics.median(r[3] for r in timed)
print(f"llmc B={B} T={T} steps={steps} tokens_per_s={tok_s:.0f} ms_per_step={ms:.2f} mfu={100 * mfu:.1f}% "
      f"peak_tflops={peak} ({src}) llmc_printed_mfu={llmc_mfu:.1f}% flops_per_token={flops_per_token} "
      f"timed_steps={len(timed)} ms_min={min(r[2] for r in timed):.2f} ms_max={max(r[2] for r in timed):.2f} "
      f"loss_first={rows[0][1]:.4f} loss_last={rows[-1][1]:.4f} device=\"{device}\" log={log}")
PY
}

case "${1:-}" in
    build) build ;;
    run) shift; (( $# == 3 )) || die "usage: $0 run B T STEPS"; run "$@" ;;
    *) die "usage: $0 build | run B T STEPS" ;;
esac
