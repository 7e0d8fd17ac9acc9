#!/usr/bin/env python3
"""An independent reference implementation of docs/SPEC.md sections 1-3 (AGS and its parts).

Written from the SPEC text alone, without reading the Java code, so that the Java numbers can be
checked against something other than themselves. Plain Python 3 standard library, single-threaded,
no optimisation beyond the obvious: it is also the "plain script" baseline that the CLI's speed is
compared with (docs/performance.md).

    python3 scripts/reference/ags_reference.py FILE... [--split-trials] [--json OUT]
        [--format tau-bench|tau2|toolbench|chat-jsonl] [--success-threshold R]
        [--weights NODE,SEQ,DEP] [--ged] [--ged-exact-max-nodes N]

FILE is a results file, or a folder of ToolBench answer files. It prints one row per unordered
pair of models (the diagonal included); --json writes {"models", "pairs", "features"} with the
pairs' full-precision values. --split-trials makes each trial of a model a model of its own,
named "{model}/trial-{k}". --ged adds the GED similarity, exact only (pairs of graphs above
--ged-exact-max-nodes nodes make the model pair's GED null here: the bound is implementation-defined,
SPEC section 3).

Where the SPEC leaves a detail open, the choice made here is marked "choice:" in a comment.
"""

import argparse
import json
import math
import os
import re
import sys

# ----------------------------------------------------------------------------------------------
# Section 1: trajectories

TRIM_CHARS = " \t\r\n"


def trim(text):
    return text.strip(TRIM_CHARS)


class BadInput(Exception):
    pass


class Call:
    __slots__ = ("name", "arguments", "output", "error", "call_id", "message_index")

    def __init__(self, name, arguments, call_id, message_index):
        self.name = name
        self.arguments = arguments
        self.call_id = call_id
        self.message_index = message_index
        self.output = None
        self.error = False


class Message:
    """role: system, user, assistant or tool; text: str; calls: the agent's calls in this turn."""
    __slots__ = ("role", "text", "calls", "tool_id", "error_flag")

    def __init__(self, role, text, calls=(), tool_id=None, error_flag=None):
        self.role = role
        self.text = text
        self.calls = list(calls)
        self.tool_id = tool_id
        self.error_flag = error_flag


class Trajectory:
    __slots__ = ("model", "task", "trial", "reward", "messages", "calls", "edges")

    def __init__(self, model, task, trial, reward, messages):
        self.model = model
        self.task = task
        self.trial = trial
        self.reward = reward
        self.messages = messages
        self.calls = [c for m in messages for c in m.calls]
        self.edges = None


def content_text(content):
    """A message's text: a string, None, or OpenAI content parts (joined; choice: no separator)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return json.dumps(content)


def parse_arguments(raw, where):
    if raw is None:
        return {}
    if isinstance(raw, str):
        if trim(raw) == "":
            return {}
        try:
            raw = json.loads(raw)
        except ValueError as e:
            raise BadInput("%s: not valid JSON: %s" % (where, e))
    if not isinstance(raw, dict):
        raise BadInput("%s: not a JSON object" % where)
    return raw


def pair_outputs(messages, where):
    """SPEC 1, Pairing: ids first, then id-less (or unknown-id) tool messages; leftovers are bad."""
    calls = [c for m in messages for c in m.calls]
    call_ids = set(c.call_id for c in calls if c.call_id is not None)
    tool_indexes = [i for i, m in enumerate(messages) if m.role == "tool"]
    taken = set()
    matched = {}
    for k, call in enumerate(calls):
        if call.call_id is None:
            continue
        for i in tool_indexes:
            if i > call.message_index and i not in taken and messages[i].tool_id == call.call_id:
                taken.add(i)
                matched[k] = i
                break
    for k, call in enumerate(calls):
        if k in matched:
            continue
        for i in tool_indexes:
            if i > call.message_index and i not in taken and (
                    messages[i].tool_id is None or messages[i].tool_id not in call_ids):
                taken.add(i)
                matched[k] = i
                break
    if len(taken) != len(tool_indexes):
        left = min(set(tool_indexes) - taken)
        raise BadInput("%s: message %d: a tool message with no call" % (where, left))
    for k, call in enumerate(calls):
        i = matched.get(k)
        if i is None:
            continue
        tool = messages[i]
        call.output = tool.text
        if tool.error_flag is not None:
            call.error = bool(tool.error_flag)
        else:
            call.error = trim(tool.text).lower().startswith("error")


def openai_messages(raw_messages, where):
    """OpenAI chat messages (tau-bench's traj, chat JSONL) -> Messages."""
    messages = []
    for n, raw in enumerate(raw_messages):
        role = raw.get("role")
        if role == "developer":
            role = "system"
        text = content_text(raw.get("content"))
        if role == "assistant":
            calls = []
            for k, tc in enumerate(raw.get("tool_calls") or []):
                fn = tc.get("function") or {}
                args = parse_arguments(fn.get("arguments"),
                                       "%s: traj[%d].tool_calls[%d].function.arguments" % (where, n, k))
                calls.append(Call(fn.get("name"), args, tc.get("id"), len(messages)))
            messages.append(Message("assistant", text, calls))
        elif role == "tool":
            messages.append(Message("tool", text, tool_id=raw.get("tool_call_id"),
                                    error_flag=raw.get("error") if isinstance(raw.get("error"), bool) else None))
        elif role in ("system", "user"):
            messages.append(Message(role, text))
        else:
            raise BadInput("%s: message %d: unknown role %r" % (where, n, role))
    pair_outputs(messages, where)
    return messages


MODEL_SUFFIXES = ("-airline", "-retail", "-telecom", "-mock")


def model_from_file(path):
    stem = os.path.basename(path.rstrip("/"))
    if "." in stem:
        stem = stem[:stem.rindex(".")]
    for suffix in MODEL_SUFFIXES:
        if stem.endswith(suffix):
            return stem[:-len(suffix)]
    return stem


def import_tau_bench(records, path):
    model = model_from_file(path)
    trajectories, gold = [], {}
    for n, rec in enumerate(records):
        where = "%s: record %d" % (path, n)
        task = str(rec["task_id"])
        actions = ((rec.get("info") or {}).get("task") or {}).get("actions")
        if actions is not None:
            gold.setdefault(task, set()).update(a["name"] for a in actions)
        trial = rec.get("trial")
        trajectories.append(Trajectory(model, task, 0 if trial is None else int(trial),
                                       float(rec.get("reward") or 0.0),
                                       openai_messages(rec["traj"], where)))
    return trajectories, gold


def tau2_messages(raw_messages, where):
    messages = []
    for n, raw in enumerate(raw_messages):
        role = raw.get("role")
        if raw.get("requestor") == "user" and role == "tool":
            continue  # the simulated user's tool result
        text = content_text(raw.get("content"))
        calls = []
        if role == "assistant":
            for k, tc in enumerate(raw.get("tool_calls") or []):
                if tc.get("requestor") == "user":
                    continue
                args = parse_arguments(tc.get("arguments"),
                                       "%s: messages[%d].tool_calls[%d].arguments" % (where, n, k))
                calls.append(Call(tc.get("name"), args, tc.get("id"), len(messages)))
            messages.append(Message("assistant", text, calls))
        elif role == "tool":
            flag = raw.get("error")
            messages.append(Message("tool", text, tool_id=raw.get("id"),
                                    error_flag=flag if isinstance(flag, bool) else None))
        elif role in ("system", "user"):
            messages.append(Message(role, text))
        else:
            raise BadInput("%s: message %d: unknown role %r" % (where, n, role))
    pair_outputs(messages, where)
    return messages


def import_tau2(doc, path):
    if isinstance(doc, list):
        simulations, tasks, model = doc, [], model_from_file(path)
    else:
        simulations, tasks = doc.get("simulations") or [], doc.get("tasks") or []
        llm = (((doc.get("info") or {}).get("agent_info") or {}).get("llm"))
        model = llm if llm else model_from_file(path)
    gold = {}
    for task in tasks:
        actions = ((task.get("evaluation_criteria") or {}).get("actions")) or []
        gold.setdefault(str(task["id"]), set()).update(a["name"] for a in actions)
    trajectories = []
    for n, sim in enumerate(simulations):
        where = "%s: simulation %d" % (path, n)
        if "trial" not in sim:
            raise BadInput("%s: field 'trial': missing (null is trial 0; absent is bad input)" % where)
        trial = sim["trial"]
        reward = ((sim.get("reward_info") or {}).get("reward"))
        trajectories.append(Trajectory(model, str(sim["task_id"]), 0 if trial is None else int(trial),
                                       float(reward or 0.0), tau2_messages(sim["messages"], where)))
    return trajectories, gold


TOOLBENCH_FILE = re.compile(r"^(\d+)_(.+)\.json$")


def toolbench_messages(raw_messages, where):
    messages = []
    for n, raw in enumerate(raw_messages):
        role = raw.get("role")
        text = content_text(raw.get("content"))
        if role == "assistant":
            calls = []
            fc = raw.get("function_call")
            if fc:
                args = parse_arguments(fc.get("arguments"), "%s: function_call.arguments" % where)
                calls.append(Call(fc.get("name"), args, None, len(messages)))
            messages.append(Message("assistant", text, calls))
        elif role == "function":
            messages.append(Message("tool", text))
        else:
            messages.append(Message(role, text))
    pair_outputs(messages, where)
    for call in (c for m in messages for c in m.calls):
        if call.output is None:
            continue
        try:
            parsed = json.loads(call.output)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), str) and parsed["error"] != "":
            call.error = True
        else:
            call.error = trim(call.output).lower().startswith("error")
    return messages


def import_toolbench_file(path):
    name = os.path.basename(path)
    match = TOOLBENCH_FILE.match(name)
    model = match.group(2) if match else model_from_file(path)
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    ag = doc["answer_generation"]
    train = ag.get("train_messages")
    if not train:
        return []
    reward = 1.0 if ag.get("finish_type") == "give_answer" and ag.get("valid_data") is True else 0.0
    return [Trajectory(model, ag["query"], 0, reward, toolbench_messages(train[-1], path))]


def import_chat_jsonl(path):
    trajectories = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if trim(line) == "":
                continue
            rec = json.loads(line)
            where = "%s: line %d" % (path, n + 1)
            trial = rec.get("trial")
            trajectories.append(Trajectory(rec.get("model") or model_from_file(path), str(rec["task"]),
                                           0 if trial is None else int(trial), float(rec.get("reward") or 0.0),
                                           openai_messages(rec["messages"], where)))
    return trajectories, {}


def detect(doc):
    if isinstance(doc, dict):
        if "simulations" in doc:
            return "tau2"
        if "answer_generation" in doc:
            return "toolbench"
    if isinstance(doc, list):
        first = next((r for r in doc if isinstance(r, dict)), None)
        if first is None:
            return "tau-bench"
        if "traj" in first:
            return "tau-bench"
        if "messages" in first and ("reward_info" in first or "termination_reason" in first):
            return "tau2"
    raise BadInput("format not recognised")


def import_path(path, fmt=None):
    """-> (trajectories, gold tools by task)"""
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if TOOLBENCH_FILE.match(n))
        trajectories = []
        for name in names:
            trajectories.extend(import_toolbench_file(os.path.join(path, name)))
        return trajectories, {}
    if fmt == "chat-jsonl" or (fmt is None and path.endswith(".jsonl")):
        return import_chat_jsonl(path)
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    fmt = fmt or detect(doc)
    if fmt == "tau-bench":
        return import_tau_bench(doc, path)
    if fmt == "tau2":
        return import_tau2(doc, path)
    if fmt == "toolbench":
        return import_toolbench_file(path), {}
    raise BadInput("unknown format " + fmt)


# Tool classes (SPEC 1, default map)

WRITE_TOOLS = {
    "book_reservation", "cancel_reservation", "send_certificate", "update_reservation_baggages",
    "update_reservation_flights", "update_reservation_passengers",
    "cancel_pending_order", "exchange_delivered_order_items", "modify_pending_order_address",
    "modify_pending_order_items", "modify_pending_order_payment", "modify_user_address",
    "return_delivered_order_items",
}
GENERIC_TOOLS = {"calculate", "think", "transfer_to_human_agents", "Finish"}
WRITE_PREFIXES = ("book_", "cancel_", "create_", "update_", "modify_", "delete_", "exchange_", "return_",
                  "send_", "set_", "add_", "remove_", "post_", "put_")
# Every other airline/retail tool is READ; none of them starts with a write prefix, so the prefix
# rule for unknown tools gives READ for them too.


def tool_class(name):
    if name in WRITE_TOOLS:
        return "WRITE"
    if name in GENERIC_TOOLS:
        return "GENERIC"
    return "WRITE" if name.startswith(WRITE_PREFIXES) else "READ"


# ----------------------------------------------------------------------------------------------
# Section 2: action graph


def number_text(value):
    if isinstance(value, int):
        return str(value)
    return repr(float(value))  # Python's repr: the shortest text that reads back the same double


def leaves(node, out):
    """Scalar leaves as texts (strings trimmed, numbers as above; booleans and null excluded)."""
    if isinstance(node, dict):
        for v in node.values():
            leaves(v, out)
    elif isinstance(node, list):
        for v in node:
            leaves(v, out)
    elif isinstance(node, bool) or node is None:
        pass
    elif isinstance(node, str):
        out.append(trim(node))
    elif isinstance(node, (int, float)):
        out.append(number_text(node))
    return out


def call_values(call):
    """Values of a call's arguments, in first-seen order, once each, length >= 3 (code points)."""
    seen, values = set(), []
    for text in leaves(call.arguments, []):
        if len(text) >= 3 and text not in seen:
            seen.add(text)
            values.append(text)
    return values


TOKEN_CHAR = re.compile(r"[A-Za-z0-9_\-]")


def occurs_as_token(value, text):
    start = text.find(value)
    while start >= 0:
        end = start + len(value)
        before_ok = start == 0 or not TOKEN_CHAR.match(text[start - 1])
        after_ok = end == len(text) or not TOKEN_CHAR.match(text[end])
        if before_ok and after_ok:
            return True
        start = text.find(value, start + 1)
    return False


class OutputIndex:
    """What rule 1 needs of one output: its JSON leaves when it is an object/array, else the text."""

    def __init__(self, output):
        self.leaf_set = None
        self.text = output
        try:
            parsed = json.loads(trim(output))
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            self.leaf_set = set(leaves(parsed, []))

    def contains(self, value):
        if self.leaf_set is not None:
            return value in self.leaf_set
        return occurs_as_token(value, self.text)


def dependency_edges(traj):
    """E_d as a set of (i, j) call indexes (0-based)."""
    calls = traj.calls
    indexes = [OutputIndex(c.output) if c.output is not None and not c.error else None for c in calls]
    edges = set()
    for j, call in enumerate(calls):
        # Rule 2: system/user texts strictly before the assistant turn that made c_j.
        prior = [m.text for m in traj.messages[:call.message_index] if m.role in ("system", "user")]
        for value in call_values(call):
            if any(value in text for text in prior):
                continue
            for i in range(j - 1, -1, -1):
                if indexes[i] is not None and indexes[i].contains(value):
                    edges.add((i, j))
                    break
    return edges


def edges_of(traj):
    if traj.edges is None:
        traj.edges = dependency_edges(traj)
    return traj.edges


# ----------------------------------------------------------------------------------------------
# Section 3: S_node, S_seq, S_dep, AGS


def jaccard(x, y, empty_agreement=1.0):
    if not x and not y:
        return empty_agreement
    return len(x & y) / len(x | y)


def mandatory_tools(trajectories_on_task, gold_tools, threshold):
    succ = [t for t in trajectories_on_task if t.reward >= threshold]
    if succ:
        common = set(c.name for c in succ[0].calls)
        for t in succ[1:]:
            common &= set(c.name for c in t.calls)
        return common
    return set(gold_tools) if gold_tools is not None else set()


class FeatureSums:
    """Pooled numerators and denominators of SPEC 3's six features over a set of trajectories."""

    def __init__(self):
        self.n = [0.0] * 6
        self.d = [0.0] * 6
        self.depth_sum = 0.0
        self.depth_count = 0

    def add(self, traj):
        calls, msgs = traj.calls, traj.messages
        classes = [tool_class(c.name) for c in calls]
        values = [set(call_values(c)) for c in calls]
        edges = edges_of(traj)
        # write-then-verify
        for i, c in enumerate(calls):
            if classes[i] == "WRITE" and not c.error:
                self.d[0] += 1
                if any(classes[k] == "READ" and values[k] & values[i] for k in range(i + 1, len(calls))):
                    self.n[0] += 1
        # pre-write confirmation: messages strictly after the turn of the latest earlier READ/WRITE
        # call (the start when none) and strictly before the write's turn.
        last_turn = -1
        for j, c in enumerate(calls):
            if classes[j] == "WRITE":
                self.d[1] += 1
                window = msgs[last_turn + 1:c.message_index]
                confirmed = False
                for a, m in enumerate(window):
                    if m.role == "assistant" and not m.calls and trim(m.text) != "":
                        if any(w.role == "user" for w in window[a + 1:]):
                            confirmed = True
                        break  # choice: the first such message has the most users after it
                if confirmed:
                    self.n[1] += 1
            if classes[j] in ("READ", "WRITE"):
                last_turn = c.message_index
        # error retry
        for i, c in enumerate(calls):
            if c.error:
                self.d[2] += 1
                if i + 1 < len(calls) and calls[i + 1].name == c.name:
                    self.n[2] += 1
        # output reuse, fan-out
        out_degree = [0] * len(calls)
        for (i, _j) in edges:
            out_degree[i] += 1
        for i, c in enumerate(calls):
            if not c.error:
                self.d[3] += 1
                if out_degree[i] >= 1:
                    self.n[3] += 1
            if out_degree[i] >= 1:
                self.d[5] += 1
                if out_degree[i] >= 2:
                    self.n[5] += 1
        # chain depth
        if len(calls) >= 2:
            longest = [0] * len(calls)  # longest path (edges) ending at each call; edges go forward
            for j in range(len(calls)):
                for (i, jj) in edges:
                    if jj == j and longest[i] + 1 > longest[j]:
                        longest[j] = longest[i] + 1
            self.depth_sum += max(longest) / (len(calls) - 1)
            self.depth_count += 1

    def vectors(self):
        rate = lambda k: self.n[k] / self.d[k] if self.d[k] else 0.0
        depth = self.depth_sum / self.depth_count if self.depth_count else 0.0
        return [rate(0), rate(1), rate(2)], [rate(3), depth, rate(5)]


def cosine(u, v):
    nu = math.sqrt(sum(x * x for x in u))
    nv = math.sqrt(sum(x * x for x in v))
    if nu == 0 and nv == 0:
        return 1.0
    if nu == 0 or nv == 0:
        return 0.0
    return min(1.0, sum(a * b for a, b in zip(u, v)) / (nu * nv))


def features(trajectories):
    sums = FeatureSums()
    for t in trajectories:
        sums.add(t)
    return sums.vectors()


# GED (exact only; optional) ------------------------------------------------------------------

def labelled_graph(traj):
    nodes = [c.name for c in traj.calls]
    labels = {}
    for i in range(len(nodes) - 1):
        labels[(i, i + 1)] = "seq"
    for e in edges_of(traj):
        labels[e] = "both" if e in labels else "dep"
    return nodes, labels


def exact_ged(g1, g2):
    """Depth-first branch and bound over node maps (node i of g1 -> a node of g2 or deletion)."""
    n1, e1 = g1
    n2, e2 = g2
    best = [float(len(n1) + len(n2) + len(e1) + len(e2))]
    mapping = [None] * len(n1)
    used = [False] * len(n2)

    def edge_cost(i):
        # edges among g1 nodes 0..i (all now mapped) that involve i
        c = 0
        for k in range(i + 1):
            for (a, b) in ((i, k), (k, i)) if k != i else ((i, i),):
                lab1 = e1.get((a, b))
                ma, mb = mapping[a], mapping[b]
                lab2 = e2.get((ma, mb)) if ma is not None and mb is not None else None
                if lab1 is not None and lab2 is not None:
                    c += 0 if lab1 == lab2 else 1
                elif lab1 is not None:
                    c += 1
                elif lab2 is not None:
                    c += 1
        return c

    def finish(cost):
        inserted = [k for k in range(len(n2)) if not used[k]]
        c = cost + len(inserted)
        image = set(m for m in mapping if m is not None)
        for (a, b) in e2:
            if a not in image or b not in image:
                c += 1
        return c

    def search(i, cost):
        if cost >= best[0]:
            return
        if i == len(n1):
            best[0] = min(best[0], finish(cost))
            return
        for k in range(len(n2)):
            if not used[k]:
                used[k] = True
                mapping[i] = k
                search(i + 1, cost + (0 if n1[i] == n2[k] else 1) + edge_cost(i))
                used[k] = False
        mapping[i] = None
        search(i + 1, cost + 1 + edge_cost(i))

    search(0, 0)
    return best[0]


def ged_similarity(t1, t2, max_nodes):
    g1, g2 = labelled_graph(t1), labelled_graph(t2)
    if len(g1[0]) > max_nodes or len(g2[0]) > max_nodes:
        return None
    size = len(g1[0]) + len(g2[0]) + len(g1[1]) + len(g2[1])
    if size == 0:
        return 1.0
    return 1.0 - exact_ged(g1, g2) / size


# The analysis --------------------------------------------------------------------------------


def analyse(trajectories, gold, threshold=1.0, weights=(1 / 3, 1 / 3, 1 / 3), ged=False, ged_max_nodes=10):
    models = sorted(set(t.model for t in trajectories))
    by_model_task = {}
    by_task = {}
    for t in trajectories:
        by_model_task.setdefault(t.model, {}).setdefault(t.task, []).append(t)
        by_task.setdefault(t.task, []).append(t)
    optional = {}
    for task, ts in by_task.items():
        mandatory = mandatory_tools(ts, gold.get(task), threshold)
        for t in ts:
            optional[id(t)] = set(c.name for c in t.calls) - mandatory
    pairs = []
    for ai, a in enumerate(models):
        for b in models[ai:]:
            tasks = sorted(set(by_model_task[a]) & set(by_model_task[b]))
            node_means, ged_means, ged_ok = [], [], True
            for task in tasks:
                xs, ys = by_model_task[a][task], by_model_task[b][task]
                if a == b:
                    combos = [(xs[i], xs[j]) for i in range(len(xs)) for j in range(i + 1, len(xs))]
                else:
                    combos = [(x, y) for x in xs for y in ys]
                if not combos:
                    continue
                node_means.append(sum(jaccard(optional[id(x)], optional[id(y)]) for x, y in combos) / len(combos))
                if ged:
                    sims = [ged_similarity(x, y, ged_max_nodes) for x, y in combos]
                    if any(s is None for s in sims):
                        ged_ok = False
                    else:
                        ged_means.append(sum(sims) / len(sims))
            fa = features([t for task in tasks for t in by_model_task[a][task]])
            fb = features([t for task in tasks for t in by_model_task[b][task]])
            s_seq = cosine(fa[0], fb[0])
            s_dep = cosine(fa[1], fb[1])
            s_node = sum(node_means) / len(node_means) if node_means else None
            ags = None if s_node is None else weights[0] * s_node + weights[1] * s_seq + weights[2] * s_dep
            pair = {"a": a, "b": b, "tasks": len(tasks), "ags": ags, "s_node": s_node,
                    "s_seq": s_seq, "s_dep": s_dep}
            if ged:
                pair["ged"] = sum(ged_means) / len(ged_means) if (ged_ok and ged_means) else None
            pairs.append(pair)
    feats = {}
    for m in models:
        f_seq, f_dep = features([t for ts in by_model_task[m].values() for t in ts])
        feats[m] = {"f_seq": f_seq, "f_dep": f_dep}
    return {"models": models, "pairs": pairs, "features": feats}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--split-trials", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--format", choices=["tau-bench", "tau2", "toolbench", "chat-jsonl"])
    parser.add_argument("--success-threshold", type=float, default=1.0)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--ged", action="store_true")
    parser.add_argument("--ged-exact-max-nodes", type=int, default=10)
    args = parser.parse_args(argv)
    trajectories, gold = [], {}
    try:
        for path in args.files:
            ts, g = import_path(path, args.format)
            trajectories.extend(ts)
            for task, names in g.items():
                gold.setdefault(task, set()).update(names)
    except (BadInput, KeyError, ValueError) as e:
        print("ags_reference: error: %s" % e, file=sys.stderr)
        return 2
    if args.split_trials:
        for t in trajectories:
            t.model = "%s/trial-%d" % (t.model, t.trial)
    weights = tuple(float(w) for w in args.weights.split(",")) if args.weights else (1 / 3, 1 / 3, 1 / 3)
    result = analyse(trajectories, gold, args.success_threshold, weights, args.ged, args.ged_exact_max_nodes)
    fmt = lambda v: "%7s" % "-" if v is None else "%7.3f" % v
    width = max([len(m) for m in result["models"]] + [1])
    header = "%-*s  %-*s  %5s %7s %7s %7s %7s" % (width, "A", width, "B", "tasks", "AGS", "S_node", "S_seq", "S_dep")
    print(header + ("     GED" if args.ged else ""))
    for p in result["pairs"]:
        row = "%-*s  %-*s  %5d %s %s %s %s" % (width, p["a"], width, p["b"], p["tasks"], fmt(p["ags"]),
                                                fmt(p["s_node"]), fmt(p["s_seq"]), fmt(p["s_dep"]))
        print(row + (" " + fmt(p["ged"]) if args.ged else ""))
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
        os.replace(tmp, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
