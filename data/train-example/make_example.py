#!/usr/bin/python3
"""A small training example for the README's quick start: tau-bench airline trajectories of
gpt-4o (data/tau-bench) rendered in SPEC 7's plain form at byte level (token = UTF-8 byte, 256 =
EOS, vocabulary 257), span-typed by character as SPEC 7 says, cut into windows of 256 tokens,
one window per row, right-padded with -1.

Writes tokens.npy (int32 [rows, 256]) and spans.npy (int8) beside this script. Needs numpy only:
/usr/bin/python3 data/train-example/make_example.py
"""
import json
import os

import numpy as np

REASON, ACTION, OBSERVATION, OTHER = 0, 1, 2, 3
EOS, L, TRAJECTORIES = 256, 256, 8
HERE = os.path.dirname(os.path.abspath(__file__))


def render(traj):
    """Bytes and the span type of each byte; the system prompt is left out (it is long)."""
    out, spans = bytearray(), []

    def add(text, span):
        b = text.encode("utf-8")
        out.extend(b)
        spans.extend([span] * len(b))

    for m in traj:
        role = m["role"]
        if role == "system":
            continue
        add("### %s\n" % role, OTHER)
        calls = m.get("tool_calls") or []
        if role == "assistant":
            add(m.get("content") or "", REASON)
            for c in calls:
                args = c["function"]["arguments"]
                args = json.loads(args) if isinstance(args, str) else args
                add("Action: %s\nAction Input: %s\n" % (c["function"]["name"],
                                                       json.dumps(args, separators=(",", ":"))), ACTION)
            add("\n", ACTION if calls else REASON)  # the end of the turn
        else:
            add((m.get("content") or "") + "\n", OBSERVATION)
    tokens = list(out) + [EOS]
    spans.append(OTHER)
    return tokens, spans


def main():
    runs = json.load(open(os.path.join(HERE, "..", "tau-bench", "gpt-4o-airline.json")))
    rows_t, rows_s = [], []
    for r in runs[:TRAJECTORIES]:
        tokens, spans = render(r["traj"])
        for start in range(0, len(tokens), L):
            t, s = tokens[start:start + L], spans[start:start + L]
            if len(t) < 2:
                continue
            rows_t.append(t + [-1] * (L - len(t)))
            rows_s.append(s + [OTHER] * (L - len(s)))
    np.save(os.path.join(HERE, "tokens.npy"), np.array(rows_t, dtype=np.int32))
    np.save(os.path.join(HERE, "spans.npy"), np.array(rows_s, dtype=np.int8))
    print(len(rows_t), "rows of", L)


if __name__ == "__main__":
    main()
