#!/usr/bin/env bash
# docs/performance.md's load test: the packaged metrics-service and judge-service on loopback, each
# on its own embedded PostgreSQL in a temporary DISTILLAB_HOME, under `distillab bench load` (a fixed
# arrival rate of mixed requests, memory sampled from /proc and /q/metrics, nothing-lost check).
#
#   ./mvnw -B -q -pl metrics-service,judge-service,cli -am -DskipTests package
#   bench/load-services.sh [--rate 20] [--duration 5m] [--json out/load.json]
# Extra arguments go to `distillab bench load`. Not run by CI (a 10-second run is, in TwoServicesIT).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { # url
  for _ in $(seq 1 240); do curl -fs -o /dev/null "$1/q/health/ready" && return 0; sleep 1; done
  echo "no answer from $1" >&2; return 1
}

JUDGE_PORT=$(free_port)
METRICS_PORT=$(free_port)
export DISTILLAB_HOME="$WORK/home"
java -Xmx1g -Dquarkus.http.port="$JUDGE_PORT" -jar judge-service/target/quarkus-app/quarkus-run.jar \
  > "$WORK/judge.log" 2>&1 &
PIDS+=($!); JUDGE_PID=$!
wait_ready "http://127.0.0.1:$JUDGE_PORT"
java -Xmx1g -Dquarkus.http.port="$METRICS_PORT" -Dquarkus.rest-client.judge.url="http://127.0.0.1:$JUDGE_PORT" \
  -jar metrics-service/target/quarkus-app/quarkus-run.jar > "$WORK/metrics.log" 2>&1 &
PIDS+=($!); METRICS_PID=$!
wait_ready "http://127.0.0.1:$METRICS_PORT"

echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1024)" MiB"}'), $(uname -sr); uptime before: $(uptime)"
DISTILLAB_JAVA_OPTS=${DISTILLAB_JAVA_OPTS:--Xmx1g} bin/distillab bench load --metrics "http://127.0.0.1:$METRICS_PORT" --judge "http://127.0.0.1:$JUDGE_PORT" \
  --metrics-pid "$METRICS_PID" --judge-pid "$JUDGE_PID" "$@"
echo "uptime after: $(uptime)"
