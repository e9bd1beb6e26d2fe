#!/usr/bin/env bash
# orders against nghttpd over h2c, side by side: server CPU per /plaintext request.
#
# Both servers run AT ONCE, pinned to CPU 0, each loaded by its own h2load -c 64 -m 10
# (N requests, default 300,000) on CPU 1; CPU per request is each process's user+system
# time over its own N. As in chain-cost.sh, running them together means both see the same
# machine, so the VM's drift between runs stays out of the ratio (they share one core's
# caches, a harder setting than one server alone). The peers' run_all.sh runs them one
# after the other; this is the finer comparison of the two.
# ROUNDS (default 5) pairs; prints every pair, then the median ratio orders / nghttpd.
# BASELINE=path/to/another/orders puts that build in nghttpd's place: an A/B of two builds
# (a change's effect is a few percent, well under the drift between separate runs).
#   benchmarks/h2-pair.sh        ROUNDS=7 N=300000 benchmarks/h2-pair.sh
#   BASELINE=../base/.build/release/orders benchmarks/h2-pair.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}; n=${N:-300000}
peer_port=${PORT:-18187}; self_port=$((peer_port + 1))
www=${PEERS_DIR:-$PWD/../shared/peers}/nghttpd/www
scripts/install-deps.sh --bench >&2
swift build -c release --product orders >&2
bin=.build/release/orders
pids=()
cleanup() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -n "${BASELINE:-}" ]; then
  peer_name=baseline
  taskset -c 0 "$BASELINE" serve --host 127.0.0.1 --port "$peer_port" --admin-port 0 --log-level warning >/dev/null 2>&1 &
else
  peer_name=nghttpd
  taskset -c 0 /usr/sbin/nghttpd --no-tls -n 1 -a 127.0.0.1 -d "$www" "$peer_port" >/dev/null 2>&1 &
fi
peer=$!; pids+=("$peer")
taskset -c 0 "$bin" serve --host 127.0.0.1 --port "$self_port" --admin-port 0 --log-level warning >/dev/null 2>&1 &
self=$!; pids+=("$self")
for port in "$peer_port" "$self_port"; do
  for _ in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 --http2-prior-knowledge "http://127.0.0.1:$port/plaintext" && break
    sleep 0.1
  done
  taskset -c 1 h2load -n 50000 -c 64 -m 10 "http://127.0.0.1:$port/plaintext" >/dev/null 2>&1   # warm-up
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ratios=()
for i in $(seq 1 "$rounds"); do
  p0=$(ticks "$peer"); s0=$(ticks "$self")
  taskset -c 1 timeout 120 h2load -n "$n" -c 64 -m 10 "http://127.0.0.1:$peer_port/plaintext" > /tmp/h2-pair-peer.txt 2>&1 &
  hp=$!
  taskset -c 1 timeout 120 h2load -n "$n" -c 64 -m 10 "http://127.0.0.1:$self_port/plaintext" > /tmp/h2-pair-self.txt 2>&1 &
  hs=$!
  wait "$hp" "$hs" || true
  p1=$(ticks "$peer"); s1=$(ticks "$self")
  for side in peer self; do
    grep -q "$n succeeded" "/tmp/h2-pair-$side.txt" || { echo "pair $i: $side did not answer every request" >&2; exit 1; }
  done
  hz=$(getconf CLK_TCK)
  peer_us=$(echo "scale=3; ($p1 - $p0) * 1000000 / $hz / $n" | bc)
  self_us=$(echo "scale=3; ($s1 - $s0) * 1000000 / $hz / $n" | bc)
  ratio=$(echo "scale=3; ($s1 - $s0) / ($p1 - $p0)" | bc)
  echo "pair $i: $peer_name $peer_us µs/req  orders $self_us µs/req  ratio $ratio"
  ratios+=("$ratio")
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR] = $1} END {print "median ratio orders/'"$peer_name"' " r[int((NR + 1) / 2)] " (range " r[1] "-" r[NR] ")"}'
