#!/usr/bin/env python3
"""Writes the train and val token files that llm.c's train_gpt2.cu reads, filled with random GPT-2
token ids, so the llm.c baseline can be timed on a machine that cannot download a data set.

  python3 llmc_data.py OUT_DIR [--train-tokens N] [--val-tokens N] [--seed S]

writes OUT_DIR/synthetic_train.bin and OUT_DIR/synthetic_val.bin (pass them as -i and -j).

The format is llm.c's data shard, version 1 (GPT-2): a header of 256 little-endian int32, of which
[0] is the magic 20240520, [1] the version 1 and [2] the token count, the rest zero; then the tokens
as little-endian uint16. llm.c's DataLoader checks the magic, the version, and that the file size is
exactly 1024 + 2 * count bytes; a shard must hold at least B*T + 1 tokens (one batch plus the last
target). Ids are uniform in [0, 50257): the timing of a step does not depend on the ids, and every id
is a valid row of the (padded 50304) embedding table.

The default train shard holds 16 batches of B=64, T=1024 (64 of B=16); the loader wraps around to a
new epoch after that (reopens the shard and reshuffles, microseconds), which does not affect the
per-step timing. The val shard holds one batch of B=64, T=1024: the benchmark runs one val batch.
"""
import argparse
import os
import sys

import numpy as np

MAGIC = 20240520
VERSION = 1
HEADER_INTS = 256
GPT2_VOCAB = 50257
ONE_BATCH_B64_T1024 = 64 * 1024 + 1


def write_shard(path, tokens):
    """Writes one shard atomically (temp name, then rename)."""
    header = np.zeros(HEADER_INTS, dtype="<i4")
    header[0], header[1], header[2] = MAGIC, VERSION, tokens.size
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header.tobytes())
        f.write(tokens.astype("<u2", copy=False).tobytes())
    os.replace(tmp, path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--train-tokens", type=int, default=16 * 64 * 1024 + 1)
    p.add_argument("--val-tokens", type=int, default=ONE_BATCH_B64_T1024)
    p.add_argument("--seed", type=int, default=1234)
    a = p.parse_args(argv)
    for name, n in (("--train-tokens", a.train_tokens), ("--val-tokens", a.val_tokens)):
        if not 2 <= n < 2**31:
            print(f"llmc_data: {name} {n} is outside [2, 2^31)", file=sys.stderr)
            return 2
    os.makedirs(a.out_dir, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    for split, n in (("train", a.train_tokens), ("val", a.val_tokens)):
        path = os.path.join(a.out_dir, f"synthetic_{split}.bin")
        write_shard(path, rng.integers(0, GPT2_VOCAB, size=n, dtype=np.uint16))
        print(f"{path}: {n} tokens, {os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
