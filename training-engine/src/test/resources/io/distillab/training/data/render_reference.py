#!/usr/bin/python3
"""Reference renderings of bundled trajectories through the Qwen3 chat template, made with Python's
jinja2 configured as Hugging Face transformers configures it for apply_chat_template (an immutable
sandbox with trim_blocks, lstrip_blocks and the loopcontrols extension; its tojson filter, which is
json.dumps with ensure_ascii=False; raise_exception). Messages are built here from the raw data
files, independently of the Java importers: OpenAI form, tool-call arguments as JSON objects,
ToolBench's legacy function_call/function turns as tool_calls/tool, its function list as tools.

Run once with Debian's python3-jinja2 (not needed by CI):
  /usr/bin/python3 render_reference.py ROOT TOKENIZER_CONFIG > qwen3-reference.json
where ROOT is the repository root and TOKENIZER_CONFIG Qwen3's tokenizer_config.json
(training-engine/target/test-tokenizers/qwen3/tokenizer_config.json after the test build).
"""
import json
import sys

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

TAU_BENCH_RECORDS = [0, 1, 2]
TOOLBENCH_FILES = ["G1_answer/10_ChatGPT_DFS_woFilter_w2.json", "G3_answer/13_ChatGPT_DFS_woFilter_w2.json"]


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise Exception(message)


def arguments(a):
    if isinstance(a, str):
        return json.loads(a) if a.strip() else {}
    return a


def tau_bench(traj):
    out = []
    for m in traj:
        o = {"role": m["role"], "content": m.get("content") or ""}
        if m.get("tool_calls"):
            o["tool_calls"] = [{"id": c.get("id"), "type": "function",
                                "function": {"name": c["function"]["name"],
                                             "arguments": arguments(c["function"]["arguments"])}}
                               for c in m["tool_calls"]]
        out.append(o)
    return out


def toolbench(messages):
    out = []
    for m in messages:
        role = "tool" if m["role"] == "function" else m["role"]
        o = {"role": role, "content": m.get("content") or ""}
        if m.get("function_call"):
            fc = m["function_call"]
            o["tool_calls"] = [{"type": "function",
                                "function": {"name": fc["name"], "arguments": arguments(fc["arguments"])}}]
        out.append(o)
    return out


def main():
    root, config_file = sys.argv[1], sys.argv[2]
    config = json.load(open(config_file, encoding="utf-8"))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    template = env.from_string(config["chat_template"])
    specials = {k: config[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token") if config.get(k)}

    cases = []
    records = json.load(open(root + "/data/tau-bench/gpt-4o-airline.json", encoding="utf-8"))
    for i in TAU_BENCH_RECORDS:
        cases.append({"file": "data/tau-bench/gpt-4o-airline.json", "record": i,
                      "messages": tau_bench(records[i]["traj"]), "tools": None})
    for f in TOOLBENCH_FILES:
        ag = json.load(open(root + "/data/toolbench/" + f, encoding="utf-8"))["answer_generation"]
        cases.append({"file": "data/toolbench/" + f, "record": 0,
                      "messages": toolbench(ag["train_messages"][-1]),
                      "tools": [{"type": "function", "function": fn} for fn in ag["function"]]})
    out = []
    for c in cases:
        ctx = dict(specials, messages=c["messages"], add_generation_prompt=False)
        if c["tools"] is not None:
            ctx["tools"] = c["tools"]
        out.append({"file": c["file"], "record": c["record"], "text": template.render(**ctx)})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


main()
