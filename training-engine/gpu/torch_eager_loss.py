#!/usr/bin/env python3
"""PyTorch eager baseline for the span-masked loss, timed in the same call as ours:
log_softmax, kl_div, cross_entropy with per-span weights, then backward to the student logits.
bfloat16 logits are upcast to float32 for the loss (what training code does); the gradient then
comes back in bfloat16 through the cast. Median of CUDA-event timings after warm-up.

  torch_eager_loss.py N V1,V2 [f32,bf16] [repeats]
"""
import json
import sys

import torch
import torch.nn.functional as F


def span_loss(z, u, y, m, wkl, wce, t):
    zf, uf = z.float(), u.float()
    logq = F.log_softmax(zf / t, dim=-1)
    logp = F.log_softmax(uf / t, dim=-1)
    kl_rows = F.kl_div(logq, logp, log_target=True, reduction="none").sum(-1) * (t * t)
    ce_rows = F.cross_entropy(zf, y, ignore_index=-100, reduction="none")
    r = torch.bincount(m, minlength=4).clamp_min(1).to(zf.dtype)
    a = torch.bincount(m[y != -100], minlength=4).clamp_min(1).to(zf.dtype)
    kl = (wkl[m] / r[m] * kl_rows).sum()
    ce = (wce[m] / a[m] * ce_rows).sum()
    return kl + ce


def main():
    n = int(sys.argv[1])
    vocabs = [int(v) for v in sys.argv[2].split(",")]
    dtypes = sys.argv[3].split(",") if len(sys.argv) > 3 else ["f32", "bf16"]
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}", flush=True)
    wkl = torch.tensor([0.5, 0.5, 0, 0], device=dev)  # kd preset, alpha 0.5, T = 2
    wce = torch.tensor([0.5, 0.5, 0, 0], device=dev)
    t = 2.0
    for v in vocabs:
        for name in dtypes:
            dtype = torch.float32 if name == "f32" else torch.bfloat16
            g = torch.Generator(device=dev).manual_seed(v)
            z0 = (2 * torch.randn(n, v, device=dev, generator=g)).to(dtype)
            u = (z0.float() + torch.randn(n, v, device=dev, generator=g)).to(dtype)
            y = torch.randint(0, v, (n,), device=dev, generator=g)
            y[torch.rand(n, device=dev, generator=g) < 0.1] = -100
            m = torch.randint(0, 2, (n,), device=dev, generator=g)
            z = z0.clone().requires_grad_(True)

            def step():
                z.grad = None
                span_loss(z, u, y, m, wkl, wce, t).backward()

            for _ in range(3):
                step()
            torch.cuda.synchronize()
            times = []
            for _ in range(repeats):
                start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                step()
                stop.record()
                stop.synchronize()
                times.append(start.elapsed_time(stop))
            times.sort()
            med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
            print(json.dumps({"impl": "torch-eager", "dtype": name, "rows": n, "vocab": v, "median_ms": med,
                              "min_ms": times[0], "max_ms": times[-1],
                              "peak_gib": torch.cuda.max_memory_allocated() / 2**30}), flush=True)
            del z, z0, u
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()


if __name__ == "__main__":
    main()
