#!/usr/bin/env bash
# End to end through the packaged services: judge-service (offline judge) and metrics-service, each
# with its embedded PostgreSQL in a temporary folder, and the CLI asking for RPS and validated edges.
# Checks that every off-diagonal pair gets an RPS, that the analysis through the services (RPS,
# validated edges) gives the same numbers as the same analysis in-process (the offline judge as a
# library, no service), that the in-process run also works through judge-service alone
# (--judge URL), and that the report page is served.
# Needs a built tree (./mvnw install). Usage: scripts/e2e-services.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
judge_port="${E2E_JUDGE_PORT:-18481}"
metrics_port="${E2E_METRICS_PORT:-18480}"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

java -Dquarkus.http.port="$judge_port" -Ddistillab.embedded-postgres.data-dir="$work/judge-pg" \
  -jar judge-service/target/quarkus-app/quarkus-run.jar > "$work/judge.log" 2>&1 &
pids+=($!)
java -Dquarkus.http.port="$metrics_port" -Ddistillab.embedded-postgres.data-dir="$work/metrics-pg" \
  -Dquarkus.rest-client.judge.url="http://localhost:$judge_port" \
  -jar metrics-service/target/quarkus-app/quarkus-run.jar > "$work/metrics.log" 2>&1 &
pids+=($!)

ready() { curl -sf "http://localhost:$1/q/health/ready" > /dev/null; }
for _ in $(seq 1 120); do
  if ready "$judge_port" && ready "$metrics_port"; then break; fi
  sleep 1
done
if ! ready "$judge_port" || ! ready "$metrics_port"; then
  echo "e2e: services did not become ready" >&2
  tail -20 "$work/judge.log" "$work/metrics.log" >&2
  exit 1
fi

data=data/tau-bench/gpt-4o-airline.json
bin/distillab analyze "$data" --split-trials --quiet --json "$work/local.json"
bin/distillab analyze "$data" --split-trials --quiet --server "http://localhost:$metrics_port" \
  --rps --edges validated --json "$work/remote.json" > "$work/table.txt"
cat "$work/table.txt"

java -cp "cli/target/lib/*" scripts/E2eCheck.java "$work/local.json" "$work/remote.json"
grep -q 'id="heatmap-ags"' <(curl -sf "http://localhost:$metrics_port/api/v1/analyses/1/report")
echo "e2e services: all checks passed"
