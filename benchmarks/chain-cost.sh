#!/usr/bin/env bash
# The diagnostic chain's cost on /plaintext: server CPU per request with the full chain and
# with --disable-middleware, alternated ROUNDS times (default 8) so that both see the same
# machine, each run wrk -t1 -c64 for SECONDS (default 4) after a 1 s warm-up; server pinned
# to CPU 0, wrk to CPU 1. Prints every pair, then the medians and the median of the
# per-pair ratios (the figure the issue's "at most 10% more" goal is about).
#   benchmarks/chain-cost.sh            ROUNDS=12 SECONDS_PER_RUN=5 benchmarks/chain-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-8}; secs=${SECONDS_PER_RUN:-4}; port=${PORT:-18097}
swift build -c release --product orders >&2
bin=.build/release/orders
hz=$(getconf CLK_TCK)

run() {
  taskset -c 0 "$bin" serve --host 127.0.0.1 --port "$port" --log-level warning "$@" &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c64 -d1s "http://127.0.0.1:$port/plaintext" >/dev/null
  local u0 t0 u1 t1 out n
  read -r u0 t0 < <(awk '{print $14, $14+$15}' "/proc/$pid/stat")
  out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$port/plaintext")
  read -r u1 t1 < <(awk '{print $14, $14+$15}' "/proc/$pid/stat")
  n=$(awk '/requests in/{print $1}' <<<"$out")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  awk -v t=$((t1 - t0)) -v u=$((u1 - u0)) -v n="$n" -v hz="$hz" 'BEGIN{printf "%.3f %.3f", t/hz/n*1e6, u/hz/n*1e6}'
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for i in $(seq 1 "$rounds"); do
  chain=$(run); bare=$(run --disable-middleware)
  echo "$chain $bare" >>"$results"
  awk -v i="$i" '{printf "pair %d: chain %.2f µs (user %.2f)  bare %.2f µs (user %.2f)  ratio %.3f\n", i, $1, $2, $3, $4, $1/$3}' <<<"$chain $bare"
done
sort -n -k1,1 "$results" | awk '{c[NR]=$1} END{printf "median chain %.2f µs/req\n", (NR%2 ? c[(NR+1)/2] : (c[NR/2]+c[NR/2+1])/2)}'
sort -n -k3,3 "$results" | awk '{b[NR]=$3} END{printf "median bare  %.2f µs/req\n", (NR%2 ? b[(NR+1)/2] : (b[NR/2]+b[NR/2+1])/2)}'
awk '{print $1/$3}' "$results" | sort -n | awk '{r[NR]=$1} END{printf "median per-pair ratio %.3f (min %.3f, max %.3f)\n", (NR%2 ? r[(NR+1)/2] : (r[NR/2]+r[NR/2+1])/2), r[1], r[NR]}'
