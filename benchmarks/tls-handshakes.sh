#!/usr/bin/env bash
# Full TLS handshakes per second, orders against nginx (ssl + http2, the same certificate),
# alternating: both servers are started once, pinned to CPU 0, and `openssl s_time -new`
# (one connection at a time, a full handshake each, no resumption) runs against one, then
# the other, ROUNDS times, on CPU 1. tls.sh measures each server in its own stretch of
# time, and on this shared VM a server's handshake rate swings by up to 2x between
# stretches; alternating every few seconds keeps that out of the per-pair ratio.
# Prints each pair (rate, server CPU per handshake) and the median ratios orders / nginx.
#   benchmarks/tls-handshakes.sh        ROUNDS=9 SECONDS_PER_RUN=3 benchmarks/tls-handshakes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rounds=${ROUNDS:-7}; secs=${SECONDS_PER_RUN:-3}
source "$repo/benchmarks/tls-setup.sh"

pids=()
cleanup() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
taskset -c 0 /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
taskset -c 0 "$repo/.build/release/orders" serve --host 127.0.0.1 --port 18092 --admin-port 18093 \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --log-level warning &
orders=$!; pids+=("$orders")
for port in 18091 18092; do
  for _ in $(seq 1 100); do curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$port/plaintext" && break; sleep 0.1; done
done
nginx_worker=$(pgrep -f "nginx: worker process" | head -1)
[ -n "$nginx_worker" ] || { echo "no nginx worker" >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
measure() { # $1 port, $2 pid -> "rate us_per_handshake"
  local t0 t1 line
  t0=$(ticks "$2")
  line=$(taskset -c 1 timeout $((secs + 30)) openssl s_time -connect "127.0.0.1:$1" -new -time "$secs" 2>/dev/null \
         | awk '/real seconds/{printf "%.1f %d", $1 / $4, $1}')
  t1=$(ticks "$2")
  set -- $line
  awk -v rate="$1" -v n="$2" -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.0f %.1f", rate, (b - a) * 1e6 / hz / n }'
}

rate_ratios=(); cpu_ratios=()
echo "# $(date -Is) tls-handshakes.sh rounds=$rounds seconds=$secs"
for i in $(seq 1 "$rounds"); do
  read -r nginx_rate nginx_us <<<"$(measure 18091 "$nginx_worker")"
  read -r orders_rate orders_us <<<"$(measure 18092 "$orders")"
  rate=$(echo "scale=3; $orders_rate / $nginx_rate" | bc); cpu=$(echo "scale=3; $orders_us / $nginx_us" | bc)
  echo "pair $i: nginx $nginx_rate/s ($nginx_us µs CPU each)  orders $orders_rate/s ($orders_us µs CPU each)  rate ratio $rate  CPU ratio $cpu"
  rate_ratios+=("$rate"); cpu_ratios+=("$cpu")
done
median() { printf '%s\n' "$@" | sort -n | awk '{r[NR] = $1} END {print r[int((NR + 1) / 2)] " (range " r[1] "-" r[NR] ")"}'; }
echo "median handshake rate orders/nginx $(median "${rate_ratios[@]}")"
echo "median CPU per handshake orders/nginx $(median "${cpu_ratios[@]}")"
