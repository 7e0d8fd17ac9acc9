#!/usr/bin/env bash
# Fuzzes the input readers with Jazzer (docs/fuzzing.md): each target for a fixed time, one JVM per
# target (Jazzer fuzzes one @FuzzTest per JVM), all in one Maven run.
#
#   scripts/fuzz.sh [--duration 30s] [--timeout 60] [--keep-going N] [TARGET...]
#
# --duration    fuzzing time per target: 30s, 10m, 2h (libFuzzer's -max_total_time); default 30s
# --timeout     seconds one input may take before it counts as a hang; default 60 (a chat
#               template is stopped after 30 s of rendering)
# --keep-going  go on after a finding, up to N distinct ones per target (a long hunt); default 1
# TARGET      fuzz test classes (default: all of them):
#             TauBenchImportFuzzTest Tau2ImportFuzzTest ToolBenchImportFuzzTest ChatJsonlImportFuzzTest
#             NpyReaderFuzzTest SafeTensorsReaderFuzzTest ChatTemplateFuzzTest TrajectoryRendererFuzzTest
#
# A finding fails the run and is written as crash-<sha1> (or timeout-, slow-unit-) into the
# target's <TestClass>Inputs/<method>/ folder under src/test/resources, where every later build
# replays it: fix the code, keep the file. The inputs the fuzzer found interesting pile up in
# <module>/.cifuzz-corpus/ (not committed), so a longer run goes on from where the last one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

CORE_TARGETS=(TauBenchImportFuzzTest Tau2ImportFuzzTest ToolBenchImportFuzzTest ChatJsonlImportFuzzTest)
TRAINING_TARGETS=(NpyReaderFuzzTest SafeTensorsReaderFuzzTest ChatTemplateFuzzTest TrajectoryRendererFuzzTest)

duration=30s
timeout=60
keep_going=1
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --keep-going) keep_going="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=("${CORE_TARGETS[@]}" "${TRAINING_TARGETS[@]}")
fi

seconds() {
  local d="$1"
  case "$d" in
    *h) echo $(( ${d%h} * 3600 )) ;;
    *m) echo $(( ${d%m} * 60 )) ;;
    *s) echo "${d%s}" ;;
    *[0-9]) echo "$d" ;;
    *) echo "fuzz.sh: bad duration '$d' (expected e.g. 30s, 10m, 2h)" >&2; exit 2 ;;
  esac
}
total=$(seconds "$duration")

modules=core
for t in "${targets[@]}"; do
  if [[ " ${TRAINING_TARGETS[*]} " == *" $t "* ]]; then
    modules=core,training-engine
  elif [[ " ${CORE_TARGETS[*]} " != *" $t "* ]]; then
    echo "fuzz.sh: unknown target '$t' (expected one of ${CORE_TARGETS[*]} ${TRAINING_TARGETS[*]})" >&2
    exit 2
  fi
done

# The real chat templates the build fetched (Qwen3's, Llama 3's) seed the template fuzzer's
# generated corpus: they are not ours to commit, but the fuzzer should start from them.
template_corpus=training-engine/.cifuzz-corpus/io.distillab.training.data.ChatTemplateFuzzTest/renderAnyTemplate
for config in training-engine/target/test-tokenizers/*/tokenizer_config.json; do
  [[ -f "$config" ]] || continue
  mkdir -p "$template_corpus"
  name=$(basename "$(dirname "$config")")
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("chat_template"); t=t if isinstance(t,str) else (t or [{}])[0].get("template",""); sys.stdout.write(t)' \
    "$config" > "$template_corpus/real-$name.jinja" 2>/dev/null || rm -f "$template_corpus/real-$name.jinja"
done

tests=$(IFS=,; echo "${targets[*]}")
echo "fuzz.sh: ${#targets[@]} target(s) for ${total}s each: ${targets[*]}"

# JAZZER_FUZZ=1 makes the @FuzzTests fuzz instead of replaying their inputs. jazzer.internal.arg.N
# are libFuzzer's arguments (arg.0 stands for argv[0]); they come after the @FuzzTest's own, so
# -max_total_time here wins over the annotation's maxDuration. Coverage is measured in our classes
# and in jinjava (the template parser, whose branches the template fuzzer must find); Jazzer's
# sanitizers watch every call they make. -Xmx keeps a header that claims a
# huge size from passing unnoticed on a machine with memory to spare: it must be refused by a check.
JAZZER_FUZZ=1 ./mvnw -B -ntp -fae -pl "$modules" -am test \
  -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false -DreuseForks=false -Dptx.skip=true \
  -Djazzer.hooks=true \
  -Djazzer.instrument='io.distillab.**,com.hubspot.jinjava.**' \
  -Djazzer.keep_going="$keep_going" \
  -Djazzer.internal.arg.0=fuzz \
  -Djazzer.internal.arg.1="-max_total_time=$total" \
  -Djazzer.internal.arg.2="-timeout=$timeout" \
  -DargLine=-Xmx768m
