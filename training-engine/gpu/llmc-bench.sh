#!/usr/bin/env bash
# Builds and times karpathy/llm.c's train_gpt2.cu (GPT-2 124M from random init, bf16, single GPU,
# no MPI, no NCCL) on the GPU machine: the baseline our trainer's tokens/s and MFU are compared
# with, in the same device run. The llm.c sources, cudnn-frontend and the synthetic token files come
# from training-engine/gpu/llmc-prepare.sh, run beforehand on the development machine; carry
# `.device/llmc` (5.6 MB: 2.2 MB token files, 2.4 MB cudnn-frontend, 0.35 MB llm.c, 0.7 MB
# fallback headers) to the device. Nothing is fetched there.
#
#   bash training-engine/gpu/llmc-bench.sh build [cudnn]          # -> .device/llmc/train_gpt2cu[_cudnn]
#   bash training-engine/gpu/llmc-bench.sh run B T STEPS [cudnn]  # one configuration, one summary line
#
# Two builds, as llm.c's Makefile makes them. The default is `make train_gpt2cu` (USE_CUDNN=0,
# llm.c's default): attention is llm.c's own kernels around cuBLAS, with the T x T scores
# materialized. `cudnn` is `make train_gpt2cu USE_CUDNN=1`: cuDNN's fused flash attention, which is
# how llm.c trains GPT-2 124M (scripts/run_gpt2_124M.sh) and which is faster at T=1024. Say which
# one a comparison is against.
#
# Build time on the shared 2-core development machine, nvcc 13.0.88, 2026-11-30. The default build
# took 9-14 s wall (7.2 s user), load average 1 to 3.6, six runs. The cudnn build took 85 s wall:
# cudnn_att.cpp alone is 66 s of CPU and 1.9 GB of memory, and the two sources compile in parallel.
# Linking adds under a second (checked against stand-in libraries). Start both builds in the
# background at the beginning of the device run, and `wait` for them before the first `run`:
#   bash training-engine/gpu/llmc-bench.sh build > "$OUT/llmc-build.log" 2>&1 &
#   bash training-engine/gpu/llmc-bench.sh build cudnn > "$OUT/llmc-build-cudnn.log" 2>&1 &
#
# Flags follow llm.c's Makefile with NO_MULTI_GPU=1 NO_USE_MPI=1 and the target fixed:
#   nvcc -O3 --use_fast_math -std=c++17 -DENABLE_BF16 -gencode arch=compute_90,code=sm_90
# with no -DMULTI_GPU or -DUSE_MPI; `cudnn` adds -DENABLE_CUDNN and cudnn-frontend's include.
# Both add -include llmc-cuda13-compat.h, because CUDA 13 changed cudaMemAdvise (see that file).
#
# Libraries. The objects reference cuBLASLt only: there is no cublas* symbol, although llm.c's
# Makefile also passes -lcublas. `cudnn` adds libcudnn. NVML is linked only when <nvml.h> is on
# the include path, because llmc/mfu.h then compiles its GPU-info code in. The script looks for
# the headers and the libraries in the CUDA toolkit, in /usr/lib, and in Python's nvidia-* wheels
# (CUDA 13 wheels unpack to site-packages/nvidia/cu13/{include,lib}). It links each library by
# full path with an rpath and puts their folders on LD_LIBRARY_PATH for the run. The last resort
# for headers is .device/llmc/include-fallback (llmc-prepare.sh's LLMC_FALLBACK_HEADERS).
# LLMC_INCLUDE=dir[:dir] adds header directories. LLMC_COMPILE_ONLY=1 stops at the objects: that
# is how the builds were checked on the development machine, which has nvcc but no cuBLAS or cuDNN.
# There, the headers came from a CUDA 12.6 copy (cuBLAS, cuDNN 9.6), and stand-in libraries
# checked the link line.
#
# `run` starts the model with llm.c's own random init: -e d12 is GPT-2 124M, N(0, 0.02) weights,
# seed 42. It reads the synthetic shards (-i/-j) and turns off what needs files we do not have or
# is not training:
#   -s 0  no sampling (it needs gpt2_tokenizer.bin);
#   -h 0  no HellaSwag;
#   -n 0  no checkpoints;
#   one val batch at the first and last step, untimed.
# Otherwise it uses llm.c's GPT-2 124M recipe flags: -r 0 (no recomputation), -l 6e-4, -c 0.1,
# AdamW with fp32 master weights, and no gradient accumulation (total batch = B*T).
#
# Timing and MFU. llm.c times each step with CUDA events around the forward, backward and update
# (data loading included) and prints its ms. The summary takes the median over the steps after
# the first LLMC_WARMUP (default 3), so STEPS must exceed that. tokens_per_s = B*T / median step
# time.
# llm.c's own MFU table has no H200 (it prints -100%), so MFU is computed here with llm.c's
# formula, flops/token = 6*N + 6*L*C*T (N = 124475904 parameters, with the vocabulary padded to
# 50304). The peak (peak_tflops) is, in order of preference:
#   LLMC_PEAK_TFLOPS, if set;
#   llm.c's printed peak, if it knows the GPU;
#   the H200's dense bf16 datasheet figure: 989.4 (835.5 for the H200 NVL).
# The default token files hold one val batch of B*T <= 65536 (B=64 at T=1024); larger batches need
# llmc_data.py --val-tokens. LLMC_ARGS appends llm.c flags (e.g. "-r 1" or "-ge 2"). Each run's
# full llm.c output goes to .device/llmc/logs/llmc[-cudnn]-B<B>-T<T>.log and is appended to
# $LLMC_LOG (default $OUT/llmc.log, else .device/llmc/logs/llmc.log).
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

# The first header of the list that nvcc does not already see, as an -I flag (an -I of a default
# directory such as /usr/include would break libstdc++'s #include_next); nothing when it sees it.
include_flag() {  # header, then the directories to search
    local header="$1" hdr; shift
    printf '#include <%s>\n' "$header" | "$NVCC" -E -x cu - -o /dev/null 2> /dev/null && return 0
    hdr="$(find_file "$header" "$@")" || die "$header not found by nvcc nor in: $*"
    [[ "$hdr" == */include-fallback/* ]] && echo "llmc build: NOTE no $header on this machine; using the fallback copy" >&2
    echo "-I$(dirname "$hdr")"
}
link_flags() {  # soname stem (libcublasLt), then the directories to search: full path and rpath
    local stem="$1" lib; shift
    lib="$(find_file "$stem.so" "$@" || find_file "$stem.so.[0-9]*" "$@")" \
        || die "$stem.so* not found in $* (LLMC_COMPILE_ONLY=1 compiles without linking)"
    echo "-Xlinker $lib -Xlinker -rpath -Xlinker $(dirname "$lib")"  # nvcc takes no *.so.N operand
}

build() {  # variant: "" (llm.c's default make: no cuDNN) or cudnn (USE_CUDNN=1)
    local variant="${1:-}" cuda wheels=() inc_dirs=() lib_dirs=() flags=() link=() out objs=() f
    cuda="$(cuda_home)"
    mapfile -t wheels < <(wheel_dirs)
    IFS=: read -r -a inc_dirs <<< "${LLMC_INCLUDE:-}"
    lib_dirs=("$cuda/lib64" "$cuda/targets/x86_64-linux/lib" /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64)
    for w in "${wheels[@]}"; do inc_dirs+=("$w/include"); lib_dirs+=("$w/lib"); done
    # last, llmc-prepare.sh's LLMC_FALLBACK_HEADERS, one folder per library so that an -I for one
    # never shadows the machine's own headers of the other
    inc_dirs+=("$root/$dir/include-fallback/cublas" "$root/$dir/include-fallback/cudnn")

    flags=(-O3 --use_fast_math -std=c++17 -DENABLE_BF16 -gencode arch=compute_90,code=sm_90
           -include "$root/$here/llmc-cuda13-compat.h")
    f="$(include_flag cublasLt.h "${inc_dirs[@]}")" || exit 2; [[ -n "$f" ]] && flags+=("$f")
    objs=(train_gpt2.o)
    if [[ "$variant" == cudnn ]]; then
        [[ -f "$dir/src/llmc/cudnn_att.cpp" && -d "$dir/cudnn-frontend/include" ]] \
            || die "no cudnn_att.cpp or cudnn-frontend in $dir: rerun llmc-prepare.sh with the cudnn-frontend mirror"
        f="$(include_flag cudnn.h "${inc_dirs[@]}")" || exit 2; [[ -n "$f" ]] && flags+=("$f")
        flags+=(-DENABLE_CUDNN -I"$root/$dir/cudnn-frontend/include")
        objs+=(cudnn_att.o)
    fi
    out="$bin${variant:+_$variant}"

    if [[ "${LLMC_COMPILE_ONLY:-0}" != 1 ]]; then
        f="$(link_flags libcublasLt "${lib_dirs[@]}")" || exit 2; read -r -a link <<< "$f"
        if [[ "$variant" == cudnn ]]; then
            f="$(link_flags libcudnn "${lib_dirs[@]}")" || exit 2; read -r -a f <<< "$f"; link+=("${f[@]}")
        fi
        # llmc/mfu.h uses NVML exactly when <nvml.h> is visible to the compile.
        if printf '#include <nvml.h>\n' | "$NVCC" -E -x cu "${flags[@]}" - -o /dev/null 2> /dev/null; then
            # the toolkit's link stub, else the driver's own library (nvidia-smi needs it too)
            local nvml_lib
            nvml_lib="$(find_file 'libnvidia-ml.so*' "$cuda/lib64/stubs" "$cuda/targets/x86_64-linux/lib/stubs" \
                /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 "${lib_dirs[@]}" \
                || ldconfig -p 2> /dev/null | sed -n 's/.*libnvidia-ml\.so\.1 .*=> //p' | head -1)"
            [[ -n "$nvml_lib" ]] || die "nvml.h is visible (llmc/mfu.h then calls NVML) but no libnvidia-ml.so* was found"
            link+=(-Xlinker "$nvml_lib")
        fi
    fi

    local objdir="$root/$dir/build${variant:+-$variant}" t0=$SECONDS pids=() o src ok=1
    rm -rf "$objdir"; mkdir -p "$objdir"
    echo "llmc build: $("$NVCC" --version | tail -1)"
    echo "llmc build: $NVCC -c ${flags[*]} {train_gpt2.cu${variant:+,llmc/cudnn_att.cpp}}, then link: ${link[*]}"
    # The sources compile in parallel (cudnn_att.cpp alone takes 66 s of CPU; train_gpt2.cu 7 s).
    for o in "${objs[@]}"; do
        src=train_gpt2.cu; [[ "$o" == cudnn_att.o ]] && src=llmc/cudnn_att.cpp
        (cd "$dir/src" && "$NVCC" -c "${flags[@]}" "$src" -o "$objdir/$o") > "$objdir/$o.log" 2>&1 &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { ok=0; echo "llmc build: compiling ${objs[$i]} FAILED:"; tail -20 "$objdir/${objs[$i]}.log"; }
    done
    (( ok )) || exit 1
    if [[ "${LLMC_COMPILE_ONLY:-0}" == 1 ]]; then
        echo "llmc build ok (compile only): $objdir/{${objs[*]}} in $((SECONDS - t0)) s"
        return 0
    fi
    (cd "$objdir" && "$NVCC" -gencode arch=compute_90,code=sm_90 "${objs[@]}" "${link[@]}" -o "$root/$out.tmp") \
        || { echo "llmc build: link FAILED"; exit 1; }
    mv "$out.tmp" "$out"
    # the libraries' folders, for the run's LD_LIBRARY_PATH too (cuDNN 9 dlopens its sub-libraries)
    for f in "${link[@]}"; do [[ "$f" == /*.so* ]] && dirname "$f"; done | sort -u > "$out.libdirs"
    echo "llmc build ok: $out in $((SECONDS - t0)) s"
}

run() {
    local B="$1" T="$2" steps="$3" variant="${4:-}" warmup="${LLMC_WARMUP:-3}" exe name
    [[ "$B" =~ ^[0-9]+$ && "$T" =~ ^[0-9]+$ && "$steps" =~ ^[0-9]+$ ]] || die "run needs B T STEPS as integers"
    [[ -z "$variant" || "$variant" == cudnn ]] || die "unknown variant '$variant' (cudnn or nothing)"
    (( steps > warmup )) || die "STEPS $steps must exceed the $warmup warm-up steps (LLMC_WARMUP)"
    exe="$bin${variant:+_$variant}"; name="llmc${variant:+-$variant}"
    [[ -x "$exe" ]] || die "no $exe: run '$0 build $variant' first (and wait for it)"
    if [[ ! -f "$dir/data/synthetic_train.bin" ]]; then
        python3 "$here/llmc_data.py" "$dir/data" > /dev/null || die "could not write the token files"
    fi
    # each run's full output, then appended to one log (a device run brings back at most 8 files)
    local log="$dir/logs/$name-B$B-T$T.log" all="${LLMC_LOG:-${OUT:-$dir/logs}/llmc.log}"
    mkdir -p "$dir/logs" "$(dirname "$all")"
    local libdirs=(); [[ -f "$exe.libdirs" ]] && mapfile -t libdirs < "$exe.libdirs"
    for d in "${libdirs[@]}" /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/local/cuda/compat; do
        [[ -d "$d" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
    done
    # shellcheck disable=SC2086  # LLMC_ARGS is a list of flags
    local line_buffered=(); command -v stdbuf > /dev/null && line_buffered=(stdbuf -oL)  # keep the log if it dies
    (cd "$dir" && "${line_buffered[@]}" "./$(basename "$exe")" -e d12 -i data/synthetic_train.bin -j data/synthetic_val.bin \
        -b "$B" -t "$T" -x "$steps" -v 1000000 -m 1 -s 0 -h 0 -n 0 -r 0 -l 0.0006 -c 0.1 ${LLMC_ARGS:-}) \
        > "$log" 2>&1
    local rc=$?
    { echo "===== $name B=$B T=$T steps=$steps rc=$rc ${LLMC_ARGS:+LLMC_ARGS=$LLMC_ARGS}"; cat "$log"; } >> "$all"
    python3 - "$log" "$B" "$T" "$steps" "$warmup" "$rc" "${LLMC_PEAK_TFLOPS:-}" "$name" <<'PY'
import re, statistics, sys
log, B, T, steps, warmup, rc, peak_env, name = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7], sys.argv[8]
text = open(log, errors="replace").read()
step_re = re.compile(r"^step\s+(\d+)/\d+ \| loss ([-\d.naif]+) .*?\| ([\d.]+) ms \| ([-\d.]+)% bf16 MFU", re.M)
rows = [(int(s), float(loss), float(ms), float(mfu)) for s, loss, ms, mfu in step_re.findall(text)]
def table(key):
    m = re.search(r"^\| " + re.escape(key) + r"\s*\| (.*?)\s*\|$", text, re.M)
    return m.group(1) if m else None
timed = [r for r in rows if r[0] > warmup]
if rc != 0 or len(timed) == 0:
    tail = " / ".join(text.strip().splitlines()[-3:])
    print(f"{name} B={B} T={T} steps={steps} FAILED rc={rc} timed_steps={len(timed)} log={log}: {tail}")
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
print(f"{name} B={B} T={T} steps={steps} tokens_per_s={tok_s:.0f} ms_per_step={ms:.2f} mfu={100 * mfu:.1f}% "
      f"peak_tflops={peak} ({src}) llmc_printed_mfu={llmc_mfu:.1f}% flops_per_token={flops_per_token} "
      f"timed_steps={len(timed)} ms_min={min(r[2] for r in timed):.2f} ms_max={max(r[2] for r in timed):.2f} "
      f"loss_first={rows[0][1]:.4f} loss_last={rows[-1][1]:.4f} device=\"{device}\" log={log}")
PY
}

case "${1:-}" in
    build) shift; (( $# <= 1 )) && [[ "${1:-cudnn}" == cudnn ]] || die "usage: $0 build [cudnn]"; build "$@" ;;
    run) shift; (( $# == 3 || $# == 4 )) || die "usage: $0 run B T STEPS [cudnn]"; run "$@" ;;
    *) die "usage: $0 build [cudnn] | run B T STEPS [cudnn]" ;;
esac
