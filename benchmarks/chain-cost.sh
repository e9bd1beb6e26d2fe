#!/usr/bin/env bash
# The diagnostic chain's cost on /plaintext: server CPU per request with the full chain
# against the same binary with --disable-middleware.
#
# Both servers run AT ONCE, pinned to CPU 0, each loaded by its own wrk -t1 -c64 on CPU 1,
# for SECONDS_PER_RUN (default 5) after a 1 s warm-up; CPU per request is each process's
# user+system time over its own request count. Running them together means both see the
# same machine: on a shared VM a run's speed drifts by 15-30% from one run to the next, so
# measuring the two one after the other puts that drift into the ratio. The price is that
# they share one core's caches, which is a harder setting than one server alone.
# ROUNDS (default 5) pairs; prints every pair, then the medians and the median ratio.
#   benchmarks/chain-cost.sh          ROUNDS=9 SECONDS_PER_RUN=5 benchmarks/chain-cost.sh
# BASELINE=path/to/another/orders puts that build, with its full chain, in the bare one's
# place: an HTTP/1.1 A/B of two builds ("chain" is this build, "bare" the baseline), as
# h2-pair.sh's BASELINE is for h2c.
#   BASELINE=/tmp/base/.build/release/orders benchmarks/chain-cost.sh
# ROUTE (default /plaintext) loads another route; CHAIN_ARGS and BARE_ARGS add flags to each
# server, so the same pairing measures a feature against its absence. Traces on against off,
# with a live collector pinned beside the load on CPU 1:
#   taskset -c 1 .venv-test/bin/python scripts/otlp-receiver.py --port 4318 >/dev/null &
#   ROUTE='/api/v1/order/map?ids=1,2,3,4,5,6,7,8,9,10' BASELINE=.build/release/orders \
#     CHAIN_ARGS="--otlp-endpoint http://127.0.0.1:4318 --trace-sampling 1" benchmarks/chain-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}; secs=${SECONDS_PER_RUN:-5}; route=${ROUTE:-/plaintext}
read -r -a chain_args <<<"${CHAIN_ARGS:-}"; read -r -a bare_args <<<"${BARE_ARGS:-}"
chain_port=${PORT:-18097}; bare_port=$((chain_port + 1))
# RATE=N loads each server at N requests/s (loadtest's open loop, -c 64) instead of as fast
# as wrk can: CPU per request below saturation, where a slower server does not leave its
# load generator idle more often (at saturation each response then wakes it, and that
# wake-up is charged to the server: a few percent of a ratio, against the slower one).
#   RATE=5000 ROUTE=… BASELINE=… benchmarks/chain-cost.sh
if [ -n "${RATE:-}" ]; then swift build -c release --product loadtest >&2; loadtest=$PWD/.build/release/loadtest; fi
# BIN=path/to/orders runs that build in the chain's place (no build), so that one checkout
# can pair any two builds, or an old build's feature against its absence.
if [ -n "${BIN:-}" ]; then bin=$BIN; else swift build -c release --product orders >&2; bin=.build/release/orders; fi
hz=$(getconf CLK_TCK)
results=$(mktemp); out_chain=$(mktemp); out_bare=$(mktemp)
pids=()
cleanup() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -f "$results" "$out_chain" "$out_bare"; }
trap cleanup EXIT

cpu() { awk '{print $14, $14+$15}' "/proc/$1/stat"; }

for i in $(seq 1 "$rounds"); do
  taskset -c 0 "$bin" serve --host 127.0.0.1 --port "$chain_port" --admin-port 0 --log-level warning "${chain_args[@]}" &
  chain=$!
  if [ -n "${BASELINE:-}" ]; then
    taskset -c 0 "$BASELINE" serve --host 127.0.0.1 --port "$bare_port" --admin-port 0 --log-level warning "${bare_args[@]}" &
  else
    taskset -c 0 "$bin" serve --host 127.0.0.1 --port "$bare_port" --admin-port 0 --log-level warning --disable-middleware "${bare_args[@]}" &
  fi
  bare=$!
  pids=("$chain" "$bare")
  for port in "$chain_port" "$bare_port"; do
    for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  done
  taskset -c 1 wrk -t1 -c64 -d1s "http://127.0.0.1:$chain_port$route" >/dev/null &
  taskset -c 1 wrk -t1 -c64 -d1s "http://127.0.0.1:$bare_port$route" >/dev/null
  wait %3 2>/dev/null || true
  read -r cu0 ct0 < <(cpu "$chain"); read -r bu0 bt0 < <(cpu "$bare")
  if [ -n "${RATE:-}" ]; then
    taskset -c 1 "$loadtest" "http://127.0.0.1:$chain_port$route" -c 64 --rate "$RATE" --duration "${secs}s" --json "$out_chain" >/dev/null &
    w1=$!
    taskset -c 1 "$loadtest" "http://127.0.0.1:$bare_port$route" -c 64 --rate "$RATE" --duration "${secs}s" --json "$out_bare" >/dev/null &
    w2=$!
  else
    taskset -c 1 wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$chain_port$route" >"$out_chain" &
    w1=$!
    taskset -c 1 wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$bare_port$route" >"$out_bare" &
    w2=$!
  fi
  wait "$w1" "$w2"
  read -r cu1 ct1 < <(cpu "$chain"); read -r bu1 bt1 < <(cpu "$bare")
  if [ -n "${RATE:-}" ]; then
    cn=$(jq .requests.responses "$out_chain"); bn=$(jq .requests.responses "$out_bare")
  else
    cn=$(awk '/requests in/{print $1}' "$out_chain"); bn=$(awk '/requests in/{print $1}' "$out_bare")
  fi
  kill -TERM "$chain" "$bare"; wait "$chain" "$bare" 2>/dev/null || true
  pids=()
  awk -v ct=$((ct1 - ct0)) -v cu=$((cu1 - cu0)) -v cn="$cn" -v bt=$((bt1 - bt0)) -v bu=$((bu1 - bu0)) -v bn="$bn" -v hz="$hz" \
    'BEGIN{printf "%.3f %.3f %.3f %.3f\n", ct/hz/cn*1e6, cu/hz/cn*1e6, bt/hz/bn*1e6, bu/hz/bn*1e6}' >>"$results"
  tail -1 "$results" | awk -v i="$i" '{printf "pair %d: chain %.2f µs/req (user %.2f)  bare %.2f µs/req (user %.2f)  ratio %.3f\n", i, $1, $2, $3, $4, $1/$3}'
done
median() { sort -n | awk '{v[NR]=$1} END{printf "%.3f", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "median chain $(awk '{print $1}' "$results" | median) µs/req (user $(awk '{print $2}' "$results" | median))"
echo "median bare  $(awk '{print $3}' "$results" | median) µs/req (user $(awk '{print $4}' "$results" | median))"
echo "median ratio $(awk '{print $1/$3}' "$results" | median) (range $(awk '{print $1/$3}' "$results" | sort -n | head -1)-$(awk '{print $1/$3}' "$results" | sort -n | tail -1))"
