#!/usr/bin/env bash
# Checks and times the CUDA span-masked loss on a GPU machine, through the real Java/JCuda path.
# Run from the repository root after training-engine/gpu/prepare-carry.sh (or with java and the
# built CLI on the machine):
#
#   bash training-engine/gpu/check-and-time.sh [quick|split]
#
# "split" times the split-streaming kernels kept (s4o3, s8o3, s8o4, float32) against streaming,
# with N = 37 checks of those and N = 8192 checks at V = 151936. (Runs 5 and 6 of 2026-11-23 ran an
# earlier "split" and "split2" over the variants since retired; their logs are in bench/results/gpu.)
#
# 1. CUDA vs the exact CPU path on fresh random inputs, outputs poisoned with NaN, every kernel
#    variant, odd and Qwen/Llama vocabularies, float32 and bfloat16, dense and top-k teachers,
#    N up to 8192 and V up to 151936 (rtol 1e-5; see LossComparison for the gradient criterion).
# 2. `distillab loss --device cuda` against reference_loss.py (NumPy float64, independent code).
# 3. Timing: CUDA events, warm-up, median; bandwidth against the 12 (f32) / 6 (bf16) byte floor
#    and the device-to-device copy bandwidth measured in the same run.
# 4. PyTorch eager (log_softmax, kl_div, cross_entropy, backward) on the same shapes.
# Logs go to $OUT (or ./out); a short table is printed last.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-$root/out}"
mkdir -p "$out"
mode="${1:-full}"
DISTILLAB_HEAP=-Xmx96g
source training-engine/gpu/device-env.sh
jsonl="$out/bench.jsonl"
: > "$jsonl"

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem,temperature.gpu --format=csv
    ldconfig -p | grep -E 'libcuda\.so' || echo "libcuda not in ldconfig"
    "$java" -version 2>&1 | head -1
    python3 -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'
    nproc; free -g | head -2
} > "$out/env.log" 2>&1
cat "$out/env.log"

if [[ "$mode" == split ]]; then
    echo "== split 1. CUDA vs CPU at N=37, the split kernels kept =="
    for preset in kd sad; do
        distillab bench loss --device cuda --check --rows 37 --vocab 1000,50257 --dtype f32 --teacher dense,sparse \
            --topk 20 --preset "$preset" --spans reason,action,observation,other --kernel s4o3,s8o3,s8o4 \
            --warmup 1 --repeats 3 --seed 17
    done > "$out/split_check_small.log" 2>&1
    grep -c '^check.*PASS' "$out/split_check_small.log" | xargs echo "small checks passed:"
    grep -E '^check .*FAIL|rror|xception' "$out/split_check_small.log" | head -20
    echo "== split 2. N=8192 f32 dense kd V=151936: checks and timing =="
    distillab bench loss --device cuda --check --rows 8192 --vocab 151936 --dtype f32 --teacher dense --preset kd \
        --kernel streaming,s8o3,s8o4,s4o3 --warmup 3 --repeats 25 --json "$jsonl" --seed 37 \
        > "$out/split_bench_large.log" 2>&1
    grep -E '^(check|skip)|rror|xception' "$out/split_bench_large.log" | grep -v PASS | head -20
    grep -c '^check.*PASS' "$out/split_bench_large.log" | xargs echo "N=8192 checks passed:"
    python3 - "$jsonl" > "$out/split_summary.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = {(r["dtype"], r["vocab"], r["teacher"], r["config"]): r["median_ms"] for r in rows if r["kernel"] == "streaming"}
print(f"{'dtype':5} {'V':>7} {'teacher':7} {'cfg':3} {'kernel':14} {'ms':>7} {'%floor':>6} {'vs_stream':>9} check")
for r in rows:
    b = base.get((r["dtype"], r["vocab"], r["teacher"], r["config"]))
    cfg = "kd" if "T=2.0" in r["config"] else "sad"
    print(f"{r['dtype']:5} {r['vocab']:>7} {r['teacher']:7} {cfg:3} {r['kernel']:14} {r['median_ms']:7.3f} "
          f"{100*r['gbps']/r['ceiling_gbps']:5.1f}% {(b / r['median_ms']) if b else float('nan'):8.2f}x {r['check']}")
PY
    cat "$out/split_summary.txt"
    exit 0
fi

echo "== 1a. CUDA vs CPU: every kernel, small and odd shapes =="
{
    for preset in kd sad; do
        distillab bench loss --device cuda --check --rows 37 --vocab 1000,50257,32000 --dtype f32,bf16 \
            --teacher dense,sparse --topk 20 --preset "$preset" --spans reason,action,observation,other \
            --kernel auto,streaming,s4o3,s8o3,s8o4 --warmup 1 --repeats 3 --seed 11
    done
} > "$out/check_small.log" 2>&1
grep -E '^check|^skip|rror' "$out/check_small.log" | grep -c '^check' | xargs echo "checks run:"
grep -E '^check .*FAIL|rror|xception' "$out/check_small.log" | head -20

echo "== 1b+3. CUDA vs CPU at N=8192, then timing =="
if [[ "$mode" == quick ]]; then vocabs=151936; else vocabs=128256,151936; fi
{
    distillab bench loss --device cuda --check --rows 8192 --vocab "$vocabs" --dtype f32,bf16 --teacher dense \
        --preset kd --kernel auto,s8o4 --warmup 3 --repeats 25 --json "$jsonl" --seed 23
    distillab bench loss --device cuda --check --rows 8192 --vocab 151936 --dtype f32,bf16 --teacher sparse \
        --topk 64 --preset kd --kernel auto --warmup 3 --repeats 25 --json "$jsonl" --seed 29
    distillab bench loss --device cuda --check --rows 8192 --vocab 151936 --dtype f32,bf16 --teacher dense \
        --preset sad --spans reason,action,observation,other --kernel auto --warmup 3 --repeats 25 \
        --json "$jsonl" --seed 31
} > "$out/bench_large.log" 2>&1
grep -E '^(device|ceiling|check|skip)|rror|xception' "$out/bench_large.log" | head -40

echo "== 2. distillab loss --device cuda vs NumPy float64 =="
{
    tmp="$(mktemp -d)"
    python3 - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(5); n, v = 512, 50257
z = (2 * rng.standard_normal((n, v))).astype(np.float32); u = (z + rng.standard_normal((n, v))).astype(np.float32)
y = rng.integers(0, v, n).astype(np.int64); y[rng.random(n) < 0.1] = -100
m = rng.integers(0, 4, n).astype(np.int8)
for name, a in dict(z=z, u=u, y=y, m=m, zb=(z.view(np.uint32) >> 16).astype(np.uint16),
                    ub=(u.view(np.uint32) >> 16).astype(np.uint16)).items():
    np.save(f"{d}/{name}.npy", a)
idx = np.stack([rng.choice(v, 50, replace=False) for _ in range(n)]).astype(np.int64)
np.save(f"{d}/idx.npy", idx); np.save(f"{d}/lp.npy", (3 * rng.standard_normal((n, 50)) - 5).astype(np.float32))
PY
    ref=training-engine/gpu/reference_loss.py
    run_case() {  # name, then the shared arguments
        local name="$1"; shift
        distillab loss --device cuda "$@" --grad-out "$tmp/$name.g.npy" > "$tmp/$name.json" && cat "$tmp/$name.json"
        python3 "$ref" "$@" --compare "$tmp/$name.json" --grad "$tmp/$name.g.npy"
    }
    run_case kd_f32 --student "$tmp/z.npy" --teacher "$tmp/u.npy" --labels "$tmp/y.npy" --spans "$tmp/m.npy" --preset kd
    run_case sad_bf16 --student "$tmp/zb.npy" --teacher "$tmp/ub.npy" --labels "$tmp/y.npy" --spans "$tmp/m.npy" --preset sad
    run_case topk_f32 --student "$tmp/z.npy" --teacher-topk "$tmp/idx.npy,$tmp/lp.npy" --labels "$tmp/y.npy" \
        --spans "$tmp/m.npy" --preset kd --temperature 1.5
    run_case custom_f32 --student "$tmp/z.npy" --teacher "$tmp/u.npy" --labels "$tmp/y.npy" --spans "$tmp/m.npy" \
        --w-kl 0.2,0.5,1,0 --w-ce 1,1,0.3,2 --temperature 0.8
    rm -rf "$tmp"
} > "$out/cli_ref.log" 2>&1
grep -E 'PASS|FAIL|rror' "$out/cli_ref.log"

echo "== 4. PyTorch eager =="
if [[ "$mode" == quick ]]; then tv=151936; else tv=128256,151936; fi
PYTHONUNBUFFERED=1 python3 training-engine/gpu/torch_eager_loss.py 8192 "$tv" f32,bf16 10 > "$out/torch.log" 2>&1
grep -E 'torch|rror' "$out/torch.log" | head -3
grep '"impl"' "$out/torch.log" >> "$jsonl"

echo "== summary =="
python3 - "$jsonl" > "$out/summary.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
torch = {(r["dtype"], r["vocab"]): r["median_ms"] for r in rows if r.get("impl") == "torch-eager"}
print(f"{'dtype':5} {'V':>7} {'teacher':7} {'config':8} {'kernel':13} {'ms':>8} {'GB/s':>7} {'%floor':>6} {'torch_ms':>8} {'speedup':>7} check")
for r in rows:
    if r.get("impl"):
        continue
    t = torch.get((r["dtype"], r["vocab"])) if r["teacher"] == "dense" and "T=2.0" in r["config"] else None
    cfg = "kd" if "T=2.0" in r["config"] else "sad"
    print(f"{r['dtype']:5} {r['vocab']:>7} {r['teacher']:7} {cfg:8} {r['kernel']:13} {r['median_ms']:8.3f} {r['gbps']:7.0f} "
          f"{100*r['gbps']/r['ceiling_gbps']:5.1f}% {t if t else float('nan'):8.2f} "
          f"{(t / r['median_ms']) if t else float('nan'):6.1f}x {r['check']}")
PY
cat "$out/summary.txt"
