#!/usr/bin/env python3
"""SPEC.md section 6 in NumPy float64, independent of the Java code: reads the same .npy files
as `distillab loss`, prints the same JSON, and with --compare checks a `distillab loss` JSON
(and --grad G.npy) against it.

  reference_loss.py --student S.npy (--teacher T.npy | --teacher-topk I.npy,L.npy) --labels Y.npy
                    --spans M.npy [--preset sad|kd|sft] [--alpha A] [--temperature T]
                    [--w-kl R,A,O,X] [--w-ce R,A,O,X] [--compare OUT.json] [--grad G.npy] [--rtol 1e-5]
"""
import argparse
import json
import sys

import numpy as np

PRESETS = {
    "sad": (1.0, [1, 0, 0, 0], [0, 1, 0, 0]),
    "kd": (2.0, None, None),
    "sft": (1.0, [0, 0, 0, 0], [1, 1, 0, 0]),
}


def logits(path):
    a = np.load(path)
    if a.dtype == np.uint16:  # bfloat16 bit patterns
        a = (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float64)


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--student", required=True)
    ap.add_argument("--teacher")
    ap.add_argument("--teacher-topk")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--spans", required=True)
    ap.add_argument("--preset", default="sad")
    ap.add_argument("--alpha", type=float)
    ap.add_argument("--temperature", type=float)
    ap.add_argument("--w-kl")
    ap.add_argument("--w-ce")
    ap.add_argument("--compare")
    ap.add_argument("--grad")
    ap.add_argument("--rtol", type=float, default=1e-5)
    a = ap.parse_args()

    t, wkl, wce = PRESETS[a.preset]
    if a.preset == "kd":
        alpha = 0.5 if a.alpha is None else a.alpha
        wkl, wce = [alpha, alpha, 0, 0], [1 - alpha, 1 - alpha, 0, 0]
    if a.temperature is not None:
        t = a.temperature
    if a.w_kl:
        wkl = [float(x) for x in a.w_kl.split(",")]
    if a.w_ce:
        wce = [float(x) for x in a.w_ce.split(",")]
    wkl, wce = np.array(wkl, np.float64), np.array(wce, np.float64)

    z = logits(a.student)
    n, v = z.shape
    y = np.load(a.labels).astype(np.int64)
    m = np.load(a.spans).astype(np.int64)
    logq = log_softmax(z / t)
    logs = log_softmax(z)
    if a.teacher:
        logp = log_softmax(logits(a.teacher) / t)
        p = np.exp(logp)
        with np.errstate(invalid="ignore"):
            kl_rows = t * t * np.where(p > 0, p * (logp - logq), 0).sum(-1)
    else:
        ipath, lpath = a.teacher_topk.split(",")
        idx = np.load(ipath).astype(np.int64)
        lp = np.load(lpath).astype(np.float64)
        logpk = log_softmax(lp / t)
        pk = np.exp(logpk)
        p = np.zeros_like(z)
        np.put_along_axis(p, idx, pk, axis=1)
        qk = np.take_along_axis(logq, idx, axis=1)
        with np.errstate(invalid="ignore"):
            kl_rows = t * t * np.where(pk > 0, pk * (logpk - qk), 0).sum(-1)
    sup = y != -100
    ce_rows = np.where(sup, -logs[np.arange(n), np.where(sup, y, 0)], 0.0)
    r = np.array([(m == k).sum() for k in range(4)])
    s = np.array([((m == k) & sup).sum() for k in range(4)])
    kl = sum(wkl[k] * kl_rows[m == k].mean() for k in range(4) if r[k] > 0)
    ce = sum(wce[k] * ce_rows[(m == k) & sup].mean() for k in range(4) if s[k] > 0)
    out = {"loss": kl + ce, "kl": kl, "ce": ce,
           "tokens": {"reason": int(r[0]), "action": int(r[1]), "observation": int(r[2]), "other": int(r[3])}}
    if not a.compare:
        print(json.dumps(out))
        return 0

    got = json.load(open(a.compare))
    ok = got["tokens"] == out["tokens"]
    worst = 0.0
    for key in ("loss", "kl", "ce"):
        if got[key] is None:  # a non-finite value, printed as null
            err = float("inf")
        else:
            err = abs(got[key] - out[key]) / max(abs(out[key]), 1e-300) if got[key] != out[key] else 0.0
        worst = max(worst, err)
    ok &= worst <= a.rtol
    msg = f"scalars max rel err {worst:.2e}"
    if a.grad:
        g = logits(a.grad)
        ck = np.where(np.isin(m, [k for k in range(4) if r[k] > 0]), wkl[m] / np.maximum(r[m], 1) * t, 0)[:, None]
        cc = np.where(sup, wce[m] / np.maximum(s[m], 1), 0)[:, None]
        onehot = np.zeros_like(z)
        onehot[np.arange(n)[sup], y[sup]] = 1
        q, sm = np.exp(logq), np.exp(logs)
        ref = ck * (q - p) + cc * (sm - onehot)
        bound = np.abs(ck) * (q + p) + np.abs(cc) * (sm + onehot)
        bf16 = np.load(a.grad).dtype == np.uint16
        allowed = a.rtol * bound + np.finfo(np.float32).tiny
        if bf16:
            allowed += np.where(ref != 0, 2.0 ** (np.floor(np.log2(np.abs(ref) + 1e-300)) - 7), 0)
        bad = ~(np.abs(g - ref) <= allowed)
        ok &= not bad.any()
        msg += f", gradient {bad.sum()} of {g.size} elements outside rtol*term bound" \
               f" (max {np.max(np.abs(g - ref) / np.maximum(bound, 1e-300)):.2e})"
    print(("PASS" if ok else "FAIL") + ": " + msg + f" (loss {out['loss']:.9g} got {got['loss']}, device {got['device']})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
