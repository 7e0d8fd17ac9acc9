#!/usr/bin/env python3
"""A small, single-threaded Python implementation of SPEC sections 1-3 (AGS), written from SPEC's
text, against which `distillab bench cli` times the Java command.

It reads tau-bench results files (one model per file, named as SPEC section 1 says) and prints
the AGS table of every unordered pair of models (diagonal included), like `distillab analyze`
without --ged. It is the baseline of the speed comparison, not a second implementation of every
format: tau-bench only, no GED, no bootstrap. Only the standard library, so any python3 runs it.

    python3 scripts/reference/ags_timing_reference.py data/tau-bench/gpt-4o-airline.json
"""
import json
import math
import sys
from itertools import combinations

WRITE = {
    # airline
    "book_reservation", "cancel_reservation", "send_certificate", "update_reservation_baggages",
    "update_reservation_flights", "update_reservation_passengers",
    # retail
    "cancel_pending_order", "exchange_delivered_order_items", "modify_pending_order_address",
    "modify_pending_order_items", "modify_pending_order_payment", "modify_user_address",
    "return_delivered_order_items",
}
GENERIC = {"calculate", "think", "transfer_to_human_agents", "Finish"}
WRITE_PREFIXES = ("book_", "cancel_", "create_", "update_", "modify_", "delete_", "exchange_", "return_",
                  "send_", "set_", "add_", "remove_", "post_", "put_")
TRIM = " \t\r\n"
TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def tool_class(name):
    if name in WRITE:
        return "WRITE"
    if name in GENERIC:
        return "GENERIC"
    return "WRITE" if name.startswith(WRITE_PREFIXES) else "READ"


def leaves(node, out):
    """SPEC 2's values: scalar leaves, strings trimmed, numbers as JSON text, no booleans/null, length >= 3."""
    if isinstance(node, dict):
        for v in node.values():
            leaves(v, out)
    elif isinstance(node, list):
        for v in node:
            leaves(v, out)
    elif isinstance(node, bool) or node is None:
        return
    else:
        text = node.strip(TRIM) if isinstance(node, str) else repr(node)
        if len(text) >= 3:
            out.add(text)
    return out


def in_output(value, output, output_leaves):
    if output is None:
        return False
    if output_leaves is not None:
        return value in output_leaves
    start = output.find(value)
    n = len(value)
    while start >= 0:
        before_ok = start == 0 or output[start - 1] not in TOKEN_CHARS
        end = start + n
        after_ok = end == len(output) or output[end] not in TOKEN_CHARS
        if before_ok and after_ok:
            return True
        start = output.find(value, start + 1)
    return False


def json_leaves(output):
    """The output's leaves when it parses as a JSON object or array, else None (token matching)."""
    if output is None:
        return None
    text = output.strip(TRIM)
    if not text or text[0] not in "{[":
        return None
    try:
        return leaves(json.loads(text), set())
    except ValueError:
        return None


class Trajectory:
    def __init__(self, rec):
        self.task = str(rec["task_id"])
        self.reward = rec["reward"]
        self.gold = {a["name"] for a in rec.get("info", {}).get("task", {}).get("actions", [])}
        msgs = rec["traj"]
        calls = []  # [name, values, message index, output, id]
        for k, m in enumerate(msgs):
            if m.get("role") == "assistant":
                for tc in m.get("tool_calls") or []:
                    f = tc["function"]
                    args = f.get("arguments")
                    if isinstance(args, str):
                        args = json.loads(args) if args.strip(TRIM) else {}
                    calls.append([f["name"], leaves(args, set()), k, None, tc.get("id"), False])
        # pairing: first not yet taken tool message after the call with its id, then by position
        tools = [(k, m) for k, m in enumerate(msgs) if m.get("role") == "tool"]
        taken = [False] * len(tools)
        ids = {c[4] for c in calls}
        for c in calls:
            for t, (k, m) in enumerate(tools):
                if not taken[t] and k > c[2] and m.get("tool_call_id") == c[4]:
                    taken[t] = True
                    c[3] = m.get("content") or ""
                    break
        for c in calls:
            if c[3] is None:
                for t, (k, m) in enumerate(tools):
                    if not taken[t] and k > c[2] and (m.get("tool_call_id") is None or m.get("tool_call_id") not in ids):
                        taken[t] = True
                        c[3] = m.get("content") or ""
                        break
        for c in calls:
            c[5] = c[3] is not None and c[3].strip(TRIM).lower().startswith("error")
        self.calls = calls
        self.tools = {c[0] for c in calls}
        self.kinds = [tool_class(c[0]) for c in calls]
        self.edges = self.candidate_edges(msgs)
        self.msgs = [(m.get("role"), bool((m.get("content") or "").strip(TRIM)), bool(m.get("tool_calls")))
                     for m in msgs]

    def candidate_edges(self, msgs):
        known = []  # system and user texts, by message index
        for k, m in enumerate(msgs):
            if m.get("role") in ("system", "user"):
                known.append((k, m.get("content") or ""))
        outs = [json_leaves(c[3]) for c in self.calls]
        edges = set()
        for j, c in enumerate(self.calls):
            before = [text for k, text in known if k < c[2]]
            for v in c[1]:
                if any(v in text for text in before):
                    continue
                for i in range(j - 1, -1, -1):
                    if not self.calls[i][5] and in_output(v, self.calls[i][3], outs[i]):
                        edges.add((i, j))
                        break
        return edges


def features(trajs):
    """f_seq and f_dep of a set of trajectories (SPEC 3's pooled rates)."""
    wtv_n = wtv_d = pwc_n = pwc_d = err_n = err_d = 0
    reuse_n = reuse_d = fan_n = fan_d = 0
    depths = []
    for t in trajs:
        calls, kinds, n = t.calls, t.kinds, len(t.calls)
        out = [set() for _ in range(n)]
        for i, j in t.edges:
            out[i].add(j)
        prev_rw = -1
        for i, c in enumerate(calls):
            if kinds[i] == "WRITE":
                if not c[5]:
                    wtv_d += 1
                    if any(kinds[k] == "READ" and calls[k][1] & c[1] for k in range(i + 1, n)):
                        wtv_n += 1
                pwc_d += 1
                lo = calls[prev_rw][2] if prev_rw >= 0 else -1
                asked = False
                for role, has_text, has_calls in t.msgs[lo + 1:c[2]]:
                    if role == "assistant" and has_text and not has_calls:
                        asked = True
                    elif role == "user" and asked:
                        pwc_n += 1
                        break
            if kinds[i] in ("READ", "WRITE"):
                prev_rw = i
            if c[5]:
                err_d += 1
                if i + 1 < n and calls[i + 1][0] == c[0]:
                    err_n += 1
            else:
                reuse_d += 1
                if out[i]:
                    reuse_n += 1
            if len(out[i]) >= 1:
                fan_d += 1
                if len(out[i]) >= 2:
                    fan_n += 1
        if n >= 2:
            longest = [0] * n
            for j in range(n):
                for i in range(j):
                    if j in out[i]:
                        longest[j] = max(longest[j], longest[i] + 1)
            depths.append(max(longest) / (n - 1))
    rate = lambda a, b: a / b if b else 0.0
    return ([rate(wtv_n, wtv_d), rate(pwc_n, pwc_d), rate(err_n, err_d)],
            [rate(reuse_n, reuse_d), sum(depths) / len(depths) if depths else 0.0, rate(fan_n, fan_d)])


def cos(a, b):
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    if na == 0 and nb == 0:
        return 1.0
    if na == 0 or nb == 0:
        return 0.0
    return min(1.0, sum(x * y for x, y in zip(a, b)) / (na * nb))


def jaccard(x, y):
    if not x and not y:
        return 1.0
    return len(x & y) / len(x | y)


def main(paths):
    by_model = {}
    for path in paths:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for domain in ("-airline", "-retail", "-telecom", "-mock"):
            if stem.endswith(domain):
                stem = stem[: -len(domain)]
        with open(path, encoding="utf-8") as f:
            for rec in json.load(f):
                t = Trajectory(rec)
                by_model.setdefault(stem, {}).setdefault(t.task, []).append(t)
    mandatory = {}
    tasks = {task for runs in by_model.values() for task in runs}
    for task in tasks:
        succ = [t.tools for runs in by_model.values() for t in runs.get(task, []) if t.reward >= 1.0]
        if succ:
            mandatory[task] = set.intersection(*succ)
        else:
            gold = set()
            for runs in by_model.values():
                for t in runs.get(task, []):
                    gold |= t.gold
            mandatory[task] = gold
    models = sorted(by_model)
    print("A\tB\ttasks\tAGS\tS_node\tS_seq\tS_dep")
    for a, b in [(x, y) for i, x in enumerate(models) for y in models[i:]]:
        shared = sorted(set(by_model[a]) & set(by_model[b]))
        per_task = []
        for task in shared:
            f = mandatory[task]
            xs, ys = by_model[a][task], by_model[b][task]
            if a == b:
                pairs = list(combinations(xs, 2))
            else:
                pairs = [(x, y) for x in xs for y in ys]
            if pairs:
                per_task.append(sum(jaccard(x.tools - f, y.tools - f) for x, y in pairs) / len(pairs))
        s_node = sum(per_task) / len(per_task) if per_task else None
        fa = features([t for task in shared for t in by_model[a][task]])
        fb = features([t for task in shared for t in by_model[b][task]])
        s_seq, s_dep = cos(fa[0], fb[0]), cos(fa[1], fb[1])
        ags = None if s_node is None else (s_node + s_seq + s_dep) / 3
        fmt = lambda v: "null" if v is None else repr(v)
        print("\t".join([a, b, str(len(shared)), fmt(ags), fmt(s_node), repr(s_seq), repr(s_dep)]))


if __name__ == "__main__":
    main(sys.argv[1:])
