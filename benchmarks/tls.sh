#!/usr/bin/env bash
# HTTP/2 over TLS beside nginx (ssl + http2, the same certificate, 1 worker) in one run.
# Server pinned to CPU 0, load tool to CPU 1, rounds interleaved. For each server:
#   h2_tls_rps      h2load -c 64 -m 10 -n $N https://127.0.0.1:PORT/plaintext (ALPN h2)
#   us_per_req      server CPU (user+system) per request in that run
#   handshakes_s    openssl s_time -new (a full handshake per connection, no resumption)
#   us_per_hs       server CPU per handshake in that run
# Usage: benchmarks/tls.sh            (ROUNDS=3 N=200000 HS_SECONDS=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
ROUNDS=${ROUNDS:-3}; N=${N:-200000}; HS_SECONDS=${HS_SECONDS:-5}
source "$repo/benchmarks/tls-setup.sh"

cpu_ticks() { local t=0 p; for p in $1 $(cat /proc/$1/task/*/children 2>/dev/null); do
  [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }

start() { # $1 = nginx|orders; sets PID and PORT
  if [ "$1" = nginx ]; then
    PORT=18091; taskset -c 0 /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log" &
  else
    PORT=18092; taskset -c 0 "$repo/.build/release/orders" serve --host 127.0.0.1 --port $PORT --admin-port 18093 \
      --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --log-level warning &
  fi
  PID=$!
  for _ in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/plaintext" && return 0; sleep 0.1; done
  echo "$1 did not start" >&2; return 1
}
stop() { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; sleep 0.5; }
trap 'kill $PID 2>/dev/null || true' EXIT

echo "# $(date -Is) tls.sh rounds=$ROUNDS n=$N hs_seconds=$HS_SECONDS"
for r in $(seq 1 "$ROUNDS"); do
  for server in nginx orders; do
    start $server
    taskset -c 1 h2load -n 20000 -c 64 -m 10 "https://127.0.0.1:$PORT/plaintext" >/dev/null 2>&1  # warm-up
    c0=$(cpu_ticks $PID)
    out=$(taskset -c 1 h2load -n "$N" -c 64 -m 10 "https://127.0.0.1:$PORT/plaintext" 2>&1)
    c1=$(cpu_ticks $PID)
    rps=$(awk '/^finished in/{gsub(",","",$4); print $4}' <<<"$out")
    ok=$(awk '/^requests:/{print $8}' <<<"$out"); proto=$(awk '/^Application protocol:/{print $3}' <<<"$out")
    c2=$(cpu_ticks $PID)
    # "N connections in S real seconds": full handshakes per wall-clock second.
    hs=$(taskset -c 1 openssl s_time -connect "127.0.0.1:$PORT" -new -time "$HS_SECONDS" 2>/dev/null \
         | awk '/real seconds/{printf "%.0f", $1/$4}')
    c3=$(cpu_ticks $PID)
    us_req=$(awk -v a=$c0 -v b=$c1 -v n="$N" 'BEGIN{printf "%.2f", (b-a)*10000/n}')
    us_hs=$(awk -v a=$c2 -v b=$c3 -v h="${hs:-0}" -v s="$HS_SECONDS" 'BEGIN{ if (h>0) printf "%.1f", (b-a)*10000/(h*s); else print "NA"}')
    echo "round=$r server=$server alpn=${proto:-none} h2_tls_rps=${rps:-NA} succeeded=${ok:-NA}/$N us_per_req=$us_req handshakes_s=${hs:-NA} us_per_hs=$us_hs"
    stop
  done
done
