#!/usr/bin/env bash
# Server CPU time per request on one route of `orders` (not served by the peers), with
# wrk -t1 -c64 for DURATION: server pinned to CPU 0, wrk to CPU 1.
#   benchmarks/route-cpu.sh '/api/v1/order/map?ids=1,2,3,4,5,6,7,8,9,10'
#   benchmarks/route-cpu.sh /plaintext -- --handler-dispatch global
# Prints one line: route, rps, p50/p99, server_us_per_req (user+system) and its user part.
set -euo pipefail
cd "$(dirname "$0")/.."
route=${1:-/plaintext}; shift || true
[[ "${1:-}" == "--" ]] && shift
port=${PORT:-18099}
swift build -c release --product orders >&2
taskset -c 0 .build/release/orders serve --host 127.0.0.1 --port "$port" --admin-port 0 --log-level warning "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
taskset -c 1 wrk -t1 -c64 -d2s "http://127.0.0.1:$port$route" >/dev/null   # warm-up
ticks() { awk '{print $14+$15}' /proc/$pid/stat; }
uticks() { awk '{print $14}' /proc/$pid/stat; }
t0=$(ticks); u0=$(uticks); start=$(date +%s.%N)
out=$(taskset -c 1 wrk -t1 -c64 -d"${DURATION:-10s}" --latency "http://127.0.0.1:$port$route")
t1=$(ticks); u1=$(uticks); end=$(date +%s.%N)
rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
requests=$(awk '/requests in/{print $1}' <<<"$out")
p50=$(awk '$1=="50%"{print $2}' <<<"$out"); p99=$(awk '$1=="99%"{print $2}' <<<"$out")
non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
hz=$(getconf CLK_TCK)
us=$(awk -v t=$((t1 - t0)) -v n="$requests" -v hz="$hz" 'BEGIN{printf "%.2f", t / hz / n * 1e6}')
user_us=$(awk -v t=$((u1 - u0)) -v n="$requests" -v hz="$hz" 'BEGIN{printf "%.2f", t / hz / n * 1e6}')
echo "route=$route rps=$rps p50=$p50 p99=$p99 non2xx=${non2xx:-0} server_us_per_req=$us user_us_per_req=$user_us args=$*"
