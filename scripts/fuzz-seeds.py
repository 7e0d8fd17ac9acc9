#!/usr/bin/env python3
"""Writes the fuzz tests' seed corpora from the real files in the repository (run from the root).

Each seed is a real file or record trimmed small (long system prompts cut, ToolBench's search tree
dropped), so the fuzzer spends its time on structure, not on copying policy text. The seeds land in
Jazzer's per-test resource folders, <TestClass>Inputs/<method>/seed-*; files there that are not named
seed-* are findings kept as regression inputs and are left alone. docs/fuzzing.md says more.
"""
import json
import os
import shutil

CORE = "core/src/test/resources/io/distillab/core/importer"
TAU_BENCH = CORE + "/TauBenchImportFuzzTestInputs/importAnyBytes"
TAU2 = CORE + "/Tau2ImportFuzzTestInputs/importAnyBytes"
TOOLBENCH = CORE + "/ToolBenchImportFuzzTestInputs/importAnyBytes"
CHAT_JSONL = CORE + "/ChatJsonlImportFuzzTestInputs/importAnyBytes"
TRAINING = "training-engine/src/test/resources/io/distillab/training"
NPY = TRAINING + "/npy/NpyReaderFuzzTestInputs/readAnyBytes"
SAFETENSORS = TRAINING + "/safetensors/SafeTensorsReaderFuzzTestInputs/readAnyBytes"
RENDERER = TRAINING + "/data/TrajectoryRendererFuzzTestInputs/renderAnyRecord"

CUT = 400  # characters kept of a long text


def cut(s):
    return s if not isinstance(s, str) or len(s) <= CUT else s[:CUT]


def trim_messages(msgs):
    out = []
    for m in msgs:
        m = dict(m)
        if m.get("role") == "system" or m.get("role") == "tool" or m.get("role") == "function":
            m["content"] = cut(m.get("content"))
        out.append(m)
    return out


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(folder, "seed-" + name), mode) as f:
        f.write(data)


def clear_seeds(folder):
    if os.path.isdir(folder):
        for f in os.listdir(folder):
            if f.startswith("seed-"):
                os.remove(os.path.join(folder, f))


def main():
    for folder in [TAU_BENCH, TAU2, TOOLBENCH, CHAT_JSONL, NPY, SAFETENSORS,
                   RENDERER]:
        clear_seeds(folder)
        os.makedirs(folder, exist_ok=True)

    # tau-bench: the three shortest records of the bundled gpt-4o run, one per file and all three in one.
    tau = json.load(open("data/tau-bench/gpt-4o-airline.json"))
    shortest = sorted(range(len(tau)), key=lambda i: len(json.dumps(tau[i])))[:3]
    records = []
    for i in shortest:
        r = dict(tau[i])
        r["traj"] = trim_messages(r["traj"])
        r["info"] = {"task": {"actions": r["info"]["task"].get("actions", [])}}
        records.append(r)
        write(TAU_BENCH, "record-%d.json" % i, json.dumps([r], indent=1))
    write(TAU_BENCH, "three-records.json", json.dumps(records))

    # tau2: the bare list of simulations the tests use, and the same simulations in tau2's results object.
    sims = json.load(open("core/src/test/resources/tau2/gpt-4.1-mini-airline.json"))
    write(TAU2, "list.json", json.dumps(sims, indent=1))
    tasks = [{"id": s["task_id"], "evaluation_criteria": {"actions": [
        {"name": c["name"], "arguments": c.get("arguments", {})}
        for m in s["messages"] for c in (m.get("tool_calls") or [])]}} for s in sims]
    write(TAU2, "object.json", json.dumps(
        {"info": {"agent_info": {"llm": "gpt-4.1-mini"}}, "tasks": tasks, "simulations": sims}, indent=1))

    # ToolBench: the smallest answer file as it is, two more without their search tree.
    tb = sorted((os.path.join(r, f) for r, _, fs in os.walk("data/toolbench") for f in fs if f.endswith(".json")),
                key=os.path.getsize)
    shutil.copy(tb[0], os.path.join(TOOLBENCH, "seed-" + os.path.basename(os.path.dirname(tb[0]))
                                    + "-" + os.path.basename(tb[0])))
    chat_lines = []
    for path in tb[1:3]:
        d = json.load(open(path))
        ag = d["answer_generation"]
        ag["train_messages"] = [trim_messages(ms) for ms in ag["train_messages"][-1:]]
        ag["chain"] = []
        write(TOOLBENCH, os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path),
              json.dumps({"win": d.get("win"), "answer_generation": ag}, indent=1))
        chat_lines.append({"model": "ChatGPT_DFS_woFilter_w2", "task": ag["query"], "trial": 0,
                           "reward": 1.0 if ag.get("finish_type") == "give_answer" else 0.0,
                           "messages": ag["train_messages"][-1],
                           "tools": [{"type": "function", "function": f} for f in ag["function"]]})

    # chat JSONL: the tau-bench records and two ToolBench answers as chat records, one per line.
    for r in records:
        chat_lines.append({"model": "gpt-4o", "task": r["task_id"], "trial": r["trial"], "reward": r["reward"],
                           "messages": r["traj"], "gold_actions": r["info"]["task"]["actions"]})
    jsonl = "".join(json.dumps(line) + "\n" for line in chat_lines)
    write(CHAT_JSONL, "runs.jsonl", jsonl)
    for k, line in enumerate(chat_lines):
        write(CHAT_JSONL, "line-%d.jsonl" % k, json.dumps(line) + "\n")
        # the renderer's seeds: the same records, each rendered by the real chat templates
        write(RENDERER, "record-%d.json" % k, json.dumps(line))

    # .npy: the reader tests' fixtures and the gpt2 model fixture's token and span arrays.
    for f in sorted(os.listdir("training-engine/src/test/resources/npy")):
        shutil.copy("training-engine/src/test/resources/npy/" + f, os.path.join(NPY, "seed-" + f))
    for f in ["tokens.npy", "spans.npy", "teacher_logits.npy"]:
        shutil.copy("training-engine/src/test/resources/model-fixtures/gpt2/" + f, os.path.join(NPY, "seed-gpt2-" + f))

    # safetensors: the smallest model fixture's weights and gradients.
    for f in ["model.safetensors", "grads.safetensors"]:
        shutil.copy("training-engine/src/test/resources/model-fixtures/llama3_tied/" + f,
                    os.path.join(SAFETENSORS, "seed-llama3_tied-" + f))


if __name__ == "__main__":
    main()
