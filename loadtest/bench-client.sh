#!/usr/bin/env bash
# Client CPU per request: loadtest, without and with --out, beside wrk, on HTTP/1.1
# /plaintext against nginx (the peer in ../shared/peers/nginx); with PROTO=h2c, beside
# h2load (-m 10; loadtest --h2c --streams 10) against nghttpd (../shared/peers/nghttpd).
#
#   loadtest/bench-client.sh            # ROUNDS=5 DURATION=10s CONNS=64
#   PROTO=h2c loadtest/bench-client.sh
#
# nginx runs pinned to CPU 0 (SERVER_CPU), every load tool to CPU 1 (LOAD_CPU), one at a
# time, interleaved per round: wrk -t1 -cCONNS, loadtest -c CONNS --threads 1 (closed
# loop, keep-alive, the same as wrk's), loadtest ... --out FILE. GNU time gives each tool's
# user + system CPU seconds; divided by its responses, that is its CPU per request. The
# ratios loadtest / wrk are taken within a round (same machine state) and their median
# and range over the rounds are printed, with the per-run lines.
#
# Env: LOADTEST (default .build/release/loadtest, built if missing), ROUNDS, DURATION
# (seconds, default 10), CONNS, SERVER_CPU (0), LOAD_CPU (1), PEERS (../shared/peers),
# PORT (18081), OUT_DIR (a temporary directory for --out and the JSONs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-10}; CONNS=${CONNS:-64}
PROTO=${PROTO:-http1}
if [ "$PROTO" = h2c ]; then PEER=nghttpd; REF=h2load; DEFAULT_PORT=18086; else PEER=nginx; REF=wrk; DEFAULT_PORT=18081; fi
SERVER_CPU=${SERVER_CPU:-0}; LOAD_CPU=${LOAD_CPU:-1}; PORT=${PORT:-$DEFAULT_PORT}
PEERS=${PEERS:-../shared/peers}
LOADTEST=${LOADTEST:-.build/release/loadtest}
[ -x "$LOADTEST" ] || swift build -c release --product loadtest
command -v "$REF" >/dev/null || { echo "$REF is not installed (apt-get install wrk nghttp2-client)" >&2; exit 2; }
OUT_DIR=${OUT_DIR:-$(mktemp -d)}
URL="http://127.0.0.1:$PORT/plaintext"

# The peer, pinned; stopped on exit (the script's own child only).
SERVER_CPU=$SERVER_CPU PORT=$PORT "$PEERS/$PEER/start.sh" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$OUT_DIR"' EXIT
if [ "$PROTO" = h2c ]; then ready() { h2load -n 1 -c 1 "$URL" 2>/dev/null | grep -q "1 succeeded"; }
else ready() { curl -sf -o /dev/null "$URL"; }; fi
for _ in $(seq 50); do ready && break; sleep 0.1; done
ready || { echo "$PEER did not answer on $URL" >&2; exit 1; }

# run NAME COMMAND...: prints "NAME responses cpu_seconds us_per_request"
run() {
  local name=$1; shift
  local times="$OUT_DIR/time" log="$OUT_DIR/log"
  /usr/bin/time -f "%U %S" -o "$times" taskset -c "$LOAD_CPU" "$@" >"$log" 2>&1
  local cpu responses
  cpu=$(awk '{print $1 + $2}' "$times")
  case "$name" in
    wrk) responses=$(awk '/requests in/{print $1}' "$log") ;;
    h2load) responses=$(awk '/^requests:/{print $8}' "$log") ;;
    *) responses=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"]["responses"])' "$OUT_DIR/run.json") ;;
  esac
  awk -v n="$name" -v r="$responses" -v c="$cpu" 'BEGIN{printf "%s %d %.2f %.3f\n", n, r, c, c * 1e6 / r}'
}

RESULTS="$OUT_DIR/results"
: >"$RESULTS"
for round in $(seq "$ROUNDS"); do
  if [ "$PROTO" = h2c ]; then
    run h2load h2load -t1 -c"$CONNS" -m10 -D "$DURATION" "$URL" | tee -a "$RESULTS" | sed "s/^/round $round: /"
    proto=(--h2c --streams 10)
  else
    run wrk wrk -t1 -c"$CONNS" -d"${DURATION}s" "$URL" | tee -a "$RESULTS" | sed "s/^/round $round: /"
    proto=()
  fi
  run loadtest "$LOADTEST" "$URL" -c "$CONNS" --threads 1 --duration "${DURATION}s" "${proto[@]}" --json "$OUT_DIR/run.json" \
    | tee -a "$RESULTS" | sed "s/^/round $round: /"
  run loadtest-out "$LOADTEST" "$URL" -c "$CONNS" --threads 1 --duration "${DURATION}s" "${proto[@]}" --json "$OUT_DIR/run.json" \
    --out "$OUT_DIR/run.raw" | tee -a "$RESULTS" | sed "s/^/round $round: /"
  ls -l "$OUT_DIR/run.raw" | awk -v r="$round" '{printf "round %s: --out wrote %.1f MB\n", r, $5 / 1e6}'
done

python3 - "$RESULTS" "$REF" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
ref = sys.argv[2]
per = {}
for name, _, _, us in rows:
    per.setdefault(name, []).append(float(us))
for name in ("loadtest", "loadtest-out"):
    ratios = [a / w for a, w in zip(per[name], per[ref])]
    print(f"{name} / {ref} CPU per request: median {statistics.median(ratios):.3f} "
          f"({min(ratios):.3f}-{max(ratios):.3f}) over {len(ratios)} rounds; "
          f"{ref} {statistics.median(per[ref]):.3f} us, {name} {statistics.median(per[name]):.3f} us")
EOF
