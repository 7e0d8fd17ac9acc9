#!/usr/bin/env bash
# End to end through the packaged services: judge-service (offline judge), metrics-service and
# trainer-service, each with its embedded PostgreSQL in a temporary folder. The CLI asks for RPS and
# validated edges: every off-diagonal pair gets an RPS, the analysis through the services (RPS,
# validated edges) gives the same numbers as the same analysis in-process (the offline judge as a
# library, no service), the in-process run also works through judge-service alone (--judge URL), and
# the report page is served. Then distillab train --server trains a new tiny GPT-2 student
# (examples/tiny-gpt2.json) on the bundled tau-bench file through trainer-service and unzips the
# student, which must be a Hugging Face folder.
# Security stays on: each service writes its local admin key under DISTILLAB_HOME at its first
# start; metrics-service finds judge-service's there (same machine), trainer-service
# metrics-service's (a job on a metrics-service dataset), and the CLI the service's.
# Needs a built tree (./mvnw install). Usage: scripts/e2e-services.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
judge_port="${E2E_JUDGE_PORT:-18481}"
metrics_port="${E2E_METRICS_PORT:-18480}"
trainer_port="${E2E_TRAINER_PORT:-18482}"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export DISTILLAB_HOME="$work/home"

java -Dquarkus.http.port="$judge_port" -Ddistillab.embedded-postgres.data-dir="$work/judge-pg" \
  -jar judge-service/target/quarkus-app/quarkus-run.jar > "$work/judge.log" 2>&1 &
pids+=($!)
java -Dquarkus.http.port="$metrics_port" -Ddistillab.embedded-postgres.data-dir="$work/metrics-pg" \
  -Dquarkus.rest-client.judge.url="http://localhost:$judge_port" \
  -jar metrics-service/target/quarkus-app/quarkus-run.jar > "$work/metrics.log" 2>&1 &
pids+=($!)

# trainer-service with its model store in the temporary folder
java -Dquarkus.http.port="$trainer_port" -Ddistillab.embedded-postgres.data-dir="$work/trainer-pg" \
  -Ddistillab.model-store="$work/store" -Dquarkus.rest-client.metrics.url="http://localhost:$metrics_port" \
  -jar trainer-service/target/quarkus-app/quarkus-run.jar > "$work/trainer.log" 2>&1 &
pids+=($!)

ready() { curl -sf "http://localhost:$1/q/health/ready" > /dev/null; }
# a loaded machine (CI on 2 cores) may take minutes to start three JVMs and their databases
for _ in $(seq 1 "${E2E_READY_SECONDS:-300}"); do
  if ready "$judge_port" && ready "$metrics_port" && ready "$trainer_port"; then break; fi
  sleep 1
done
if ! ready "$judge_port" || ! ready "$metrics_port" || ! ready "$trainer_port"; then
  echo "e2e: services did not become ready" >&2
  tail -n 20 "$work/judge.log" "$work/metrics.log" "$work/trainer.log" >&2
  exit 1
fi

data=data/tau-bench/gpt-4o-airline.json
# in-process: the offline judge as a library, no service
bin/distillab analyze "$data" --split-trials --quiet --rps --edges validated --json "$work/local.json"
# in-process analysis asking judge-service directly
bin/distillab analyze "$data" --split-trials --quiet --judge "http://localhost:$judge_port" \
  --rps --edges validated --json "$work/judge.json"
bin/distillab analyze "$data" --split-trials --quiet --server "http://localhost:$metrics_port" \
  --rps --edges validated --json "$work/remote.json" > "$work/table.txt"
cat "$work/table.txt"

java -cp "cli/target/lib/*" scripts/E2eCheck.java "$work/local.json" "$work/remote.json"
java -cp "cli/target/lib/*" scripts/E2eCheck.java "$work/local.json" "$work/judge.json"
admin_key="$(cat "$DISTILLAB_HOME/metrics-service/admin-key")"
test "$(stat -c %a "$DISTILLAB_HOME/metrics-service/admin-key")" = 600
# without the key the API is closed, with it the report is served
test "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$metrics_port/api/v1/analyses/1/report")" = 401
grep -q 'id="heatmap-ags"' <(curl -sf -H "Authorization: Bearer $admin_key" \
  "http://localhost:$metrics_port/api/v1/analyses/1/report")

# trainer-service: a CPU job through the CLI, progress on stderr, the student unzipped into --out
bin/distillab train --server "http://localhost:$trainer_port" --data "$data" --student examples/tiny-gpt2.json \
  --tokenizer gpt2 --context 128 --preset sft \
  --steps 4 --batch-size 2 --checkpoint-every 2 --eval-rows 4 --keep-best --device cpu --out "$work/student" \
  2> "$work/train.err" || {
  cat "$work/train.err" >&2; tail -n 30 "$work/trainer.log" >&2; exit 1; }
grep -q '^step 4/4' "$work/train.err"
grep -q '^held-out after step 4: loss ' "$work/train.err" # the job's eval events, followed over SSE
test -s "$work/student/config.json" && test -s "$work/student/model.safetensors"
trainer_key="$(cat "$DISTILLAB_HOME/trainer-service/admin-key")"
test "$(stat -c %a "$DISTILLAB_HOME/trainer-service/admin-key")" = 600
# trainer-service is closed without its key (REST and the job page), open with it
test "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$trainer_port/api/v1/jobs/1")" = 401
test "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$trainer_port/api/v1/jobs/1/page")" = 401
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_key" \
  "http://localhost:$trainer_port/api/v1/jobs/1")" = 401 # metrics-service's key is not trainer-service's
grep -q '"status":"succeeded"' <(curl -sf -H "Authorization: Bearer $trainer_key" "http://localhost:$trainer_port/api/v1/jobs/1")
# the held-out rows were evaluated before the first step, at step 2 (the checkpoint interval) and the last
grep -q '"heldOut":{"steps":\[0,2,4\]' <(curl -sf -H "Authorization: Bearer $trainer_key" \
  "http://localhost:$trainer_port/api/v1/jobs/1/loss")
# --keep-best: the weights of the lowest held-out loss, with their evaluation
curl -sf -H "Authorization: Bearer $trainer_key" -o "$work/best.zip" \
  "http://localhost:$trainer_port/api/v1/jobs/1/student?which=best"
jar tf "$work/best.zip" | grep -qx 'eval.json'

# a job on the dataset the analysis made: trainer-service reads it from metrics-service with
# metrics-service's local admin key (same machine), so the submission is accepted; then cancelled
dataset="$(curl -sf -H "Authorization: Bearer $admin_key" "http://localhost:$metrics_port/api/v1/datasets" \
  | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)"
job="$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $trainer_key" -H 'Content-Type: application/json' \
  -d "{\"dataset\": $dataset, \"studentConfig\": $(cat examples/tiny-gpt2.json), \"tokenizer\": \"gpt2\",
       \"context\": 128, \"steps\": 2, \"batchSize\": 2, \"device\": \"cpu\"}" \
  "http://localhost:$trainer_port/api/v1/jobs")"
test "$(tail -1 <<< "$job")" = 202 || { echo "e2e: the job on dataset $dataset was refused: $job" >&2; exit 1; }
job_id="$(head -1 <<< "$job" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)"
test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $trainer_key" \
  "http://localhost:$trainer_port/api/v1/jobs/$job_id/cancel")" = 202
echo "e2e services: all checks passed"
