#!/usr/bin/env bash
# /debug/tasks with N live tasks: render time of each view, and the public loop's p99
# with and without renders running.
#   benchmarks/tasks-render.sh            # N=100000
# Leaks N tasks on purpose (fault missing-ok-check, one missing id per request), then
# times renders with curl on the admin port while wrk measures /plaintext on the public one.
# The server (its public loop and the admin loop) is pinned to CPU 0, wrk and curl to CPU 1,
# as in every benchmark here. BIN=path runs a given binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-100000}
port=${PORT:-18098}; admin=$((port + 1))
bin=${BIN:-.build/release/orders}
[ -n "${BIN:-}" ] || swift build -c release --product orders >&2
taskset -c 0 "$bin" serve --host 127.0.0.1 --port "$port" --admin-port "$admin" --threads 1 \
  --fault missing-ok-check --stock-latency 1 --log-level critical &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
h2load --h1 -n "$n" -c 32 -m 8 "http://127.0.0.1:$port/api/v1/order/map?ids=900001" >/dev/null
live=$(curl -s "http://127.0.0.1:$admin/debug/vars" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"]["live"])')
echo "live_tasks=$live"
for view in "debug=0" "debug=1" "debug=1&format=json" "debug=2" "debug=2&format=json" "view=leaks&threshold=0s" \
            "view=orphans" "view=orphans&format=json" "view=orphans&group_by=request_id&format=json"; do
  best=999
  for _ in 1 2 3; do
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$admin/debug/tasks?$view")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN{print (b < a) ? b : a}')
  done
  echo "view=$view best_of_3_ms=$(awk -v t="$best" 'BEGIN{printf "%.1f", t * 1000}')"
done
p99() { awk '$1=="99%"{print $2}'; }
quiet=$(taskset -c 1 wrk -t1 -c8 -d5s --latency "http://127.0.0.1:$port/plaintext" | p99)
( end=$((SECONDS + 5)); while [ $SECONDS -lt $end ]; do taskset -c 1 curl -s -o /dev/null "http://127.0.0.1:$admin/debug/tasks?debug=1"; done ) &
renderer=$!
busy=$(taskset -c 1 wrk -t1 -c8 -d5s --latency "http://127.0.0.1:$port/plaintext" | p99)
wait "$renderer" 2>/dev/null || true
echo "public_p99_without_renders=$quiet public_p99_during_renders=$busy"
