#!/usr/bin/env bash
# judge-service throughput against a simulated LLM provider, all three as separate processes:
# WireMock (OpenAI chat completions answering after 50 ms), the packaged service in prod mode
# (embedded PostgreSQL on a temporary directory), and a load client at 1, 8 and 64 concurrent
# clients. Every judgment is a new input: a cache lookup, a provider call and a cache write.
#
#   ./mvnw -B -q -pl service-support,judge-service -am install -DskipTests
#   judge-service/bench/service-bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
WIREMOCK_PORT=${WIREMOCK_PORT:-18191}
SERVICE_PORT=${SERVICE_PORT:-18190}
WIREMOCK_JAR=${WIREMOCK_JAR:-$HOME/.m2/repository/org/wiremock/wiremock-standalone/3.13.2/wiremock-standalone-3.13.2.jar}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { # url
  for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 1; done
  echo "no answer from $1" >&2; return 1
}

java -jar "$WIREMOCK_JAR" --port "$WIREMOCK_PORT" --root-dir judge-service/bench/wiremock \
  --async-response-enabled true --container-threads 160 --no-request-journal --disable-banner \
  > "$WORK/wiremock.log" 2>&1 &
PIDS+=($!)
java -Ddistillab.judge.llm.enabled=true \
  -Dquarkus.langchain4j.openai.base-url="http://localhost:$WIREMOCK_PORT/v1/" \
  -Dquarkus.langchain4j.openai.chat-model.model-name=bench-model \
  -Ddistillab.embedded-postgres.data-dir="$WORK/pg" -Dquarkus.http.port="$SERVICE_PORT" \
  -jar judge-service/target/quarkus-app/quarkus-run.jar > "$WORK/service.log" 2>&1 &
PIDS+=($!)
wait_for "http://localhost:$WIREMOCK_PORT/__admin/mappings"
wait_for "http://localhost:$SERVICE_PORT/q/health/ready"

CLIENT=judge-service/bench/LoadClient.java
BASE="http://localhost:$SERVICE_PORT"
SERVICE_PID=${PIDS[1]}
WIREMOCK_PID=${PIDS[0]}

cpu_ms() { # CPU time (user + system) of the given pids, in ms
  local ticks=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo $((ticks * 1000 / $(getconf CLK_TCK)))
}
postgres_pids() { # the postmaster (its arguments name the data directory) and its backends
  local postmaster
  postmaster=$(pgrep -f -- "-D $WORK/pg" | head -1 || true)
  [ -n "$postmaster" ] && { echo "$postmaster"; pgrep -P "$postmaster" || true; }
}

run() { # concurrency judgments
  local s0 w0 p0 s1 w1 p1
  s0=$(cpu_ms "$SERVICE_PID"); w0=$(cpu_ms "$WIREMOCK_PID"); p0=$(cpu_ms $(postgres_pids))
  java "$CLIENT" "$BASE" "$1" "$2" "c$1"
  s1=$(cpu_ms "$SERVICE_PID"); w1=$(cpu_ms "$WIREMOCK_PID"); p1=$(cpu_ms $(postgres_pids))
  awk -v s=$((s1 - s0)) -v w=$((w1 - w0)) -v p=$((p1 - p0)) -v n="$2" \
    'BEGIN { printf " | %.1f | %.1f | %.1f |\n", s / n, p / n, w / n }'
}

java "$CLIENT" "$BASE" 8 400 warmup > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| concurrency | judgments | seconds | judgments/s | p50 ms | p99 ms | ideal/s | CPU ms/judgment: client | service | PostgreSQL | WireMock |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
run 1 200
run 8 480
run 64 3840
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
