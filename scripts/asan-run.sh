#!/usr/bin/env bash
# AddressSanitizer + LeakSanitizer run of the real server under a bounded test load.
#
#   scripts/asan-run.sh            build (.build-asan, incremental), run, report
#   ASAN_LOAD_SECONDS=5 scripts/asan-run.sh   longer h2load phases (default 3 s each)
#
# Builds `orders` with `swift build --sanitize=address` in its own scratch path, starts it on
# ephemeral loopback ports (cleartext + TLS), drives h1, h2c (prior knowledge and Upgrade),
# h2 and http/1.1 over TLS with h2load and curl, error responses, and hostile clients that
# close abruptly (scripts/hostile-clients.py), then sends SIGTERM in the middle of a last
# h2c + h1 burst. Fails (exit 1) on any sanitizer report, a non-zero exit, or a server that
# does not exit within the drain deadline. Bounded: every client has a timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=${ASAN_LOAD_SECONDS:-3}
WORK=$(mktemp -d /tmp/orders-asan.XXXXXX)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

echo "== build (address sanitizer)"
swift build --sanitize=address --scratch-path .build-asan --product orders >"$WORK/build.log" 2>&1 ||
  { tail -30 "$WORK/build.log"; exit 1; }
BIN=$(swift build --sanitize=address --scratch-path .build-asan --show-bin-path)/orders

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1

# Reports go to files (log_path) as well as being detected on stderr; leaks are checked
# at exit. halt_on_error=0 keeps serving so that one run shows every distinct report.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=0:abort_on_error=0:log_path=$WORK/asan:detect_stack_use_after_return=0"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
"$BIN" serve --host 127.0.0.1 --port 0 --admin-port 0 --threads 2 --tls-cert "$WORK/cert.pem" \
  --tls-key "$WORK/key.pem" --tls-port 0 --drain-timeout 5000 --max-body 65536 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q 'listener=public' "$WORK/server.log" 2>/dev/null && grep -q 'listener=admin' "$WORK/server.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done
line=$(grep 'listener=public' "$WORK/server.log" | head -1)
PORT=$(sed -E 's/.* port=([0-9]+).*/\1/' <<<"$line")
TLS_PORT=$(sed -E 's/.* tls_port=([0-9]+).*/\1/' <<<"$line")
ADMIN=$(grep 'listener=admin' "$WORK/server.log" | head -1 | sed -E 's/.* port=([0-9]+).*/\1/')
echo "== server pid $SERVER_PID: port $PORT, tls $TLS_PORT, admin $ADMIN"
H=http://127.0.0.1:$PORT
S=https://127.0.0.1:$TLS_PORT
# curl's exit status is shown, not fatal: an upload refused with 413 and RST_STREAM is exit 92.
c() { curl -s -o /dev/null -m 10 -w '%{http_code} ' "$@" || echo -n "(curl exit $?) "; }

run() { echo "-- $*"; timeout 60 "$@" 2>&1 | grep -E 'requests:|status codes:' || true; }
echo "== load"
run h2load --h1 -c 16 -m 1 -D "$SECS" "$H/plaintext"
run h2load --h1 -c 8 -D "$SECS" "$H/api/v1/order/map?ids=1,2,999999"
run h2load -c 4 -m 16 -D "$SECS" "$H/json"
run h2load -c 4 -m 8 -D "$SECS" "$H/api/v1/user/fetch?name=alice"
run h2load -c 4 -m 8 -D "$SECS" "$S/json"
run h2load --h1 -c 4 -D "$SECS" "$S/plaintext"
echo "-- curl: routes, errors, bodies, upgrade"
for url in "/api/v1/order/map" "/api/v1/order/map?ids=1,abc" "/api/v1/user/fetch?name=nobody" "/nope" \
           "/payload?size=3000000" "/readyz" "/healthz"; do
  c "$H$url"; c --http2 "$H$url"; c --http2-prior-knowledge "$H$url"
  c -k --http2 "$S$url"; c -k --http1.1 "$S$url"
done
c -X POST "$H/plaintext"
c -X POST -H 'Content-Type: application/json' -d '{"ids":[4,8,15]}' "$H/api/v1/order/map"
c -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/cert.pem" "$H/payload"
head -c 200000 /dev/zero >"$WORK/big"
c -X POST --data-binary @"$WORK/big" "$H/payload"                         # 413
c --http2-prior-knowledge -X POST --data-binary @"$WORK/big" "$H/payload" # 413 + RST
c -k --http2 -X POST --data-binary @"$WORK/big" "$S/payload"
for url in /debug/vars /metrics "/debug/tasks?debug=2"; do c "http://127.0.0.1:$ADMIN$url"; done
echo
echo "-- hostile clients (abrupt closes, resets, malformed, TLS)"
timeout 120 python3 scripts/hostile-clients.py 127.0.0.1 "$PORT" "$TLS_PORT" --rounds 3

echo "== SIGTERM during a burst (h1 + h2c)"
timeout 30 h2load --h1 -c 8 -D 3 "$H/plaintext" >"$WORK/burst1.txt" 2>&1 &
B1=$!
timeout 30 h2load -c 4 -m 16 -D 3 "$H/json" >"$WORK/burst2.txt" 2>&1 &
B2=$!
sleep 1
kill -TERM "$SERVER_PID"
start=$(date +%s)
rc=0
for _ in $(seq 1 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then echo "server still running 20 s after SIGTERM"; rc=1; kill -KILL "$SERVER_PID"; fi
wait "$SERVER_PID" && status=0 || status=$?
SERVER_PID=
wait "$B1" "$B2" || true
echo "server exit status $status after $(( $(date +%s) - start )) s"
grep -hE 'requests:|status codes:' "$WORK/burst1.txt" "$WORK/burst2.txt" | sed 's/^/   burst: /' || true
[[ $status -eq 0 ]] || rc=1

reports=$(cat "$WORK"/asan.* 2>/dev/null; grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/server.log" || true)
if [[ -n $reports ]]; then
  echo "== sanitizer reports (full text in $WORK)"
  grep -E 'ERROR: |SUMMARY:|^    #[0-9] ' <<<"$reports" | head -60
  rc=1
else
  echo "== no AddressSanitizer or LeakSanitizer report"
fi
echo "logs: $WORK"
exit $rc
