#!/usr/bin/env bash
# A bounded soak of the real server: steady load at about half its measured maximum rate
# (HTTP/1.1 and h2c together, fault modes off), sampling RSS, open fds, live tasks (from the
# admin port's /debug/vars) and the p99 latency of each window, then a pass/fail verdict.
#
#   loadtest/soak.sh                     10 minutes, 10 s windows
#   SOAK_SECONDS=120 loadtest/soak.sh    2 minutes
#
# Settings (environment): SOAK_SECONDS (600), SOAK_WINDOW (10 s), SOAK_LOAD_FRACTION (0.5),
# ORDERS_BIN (default .build/release/orders, built if missing), SOAK_THREADS (2),
# SOAK_OUT (a new /tmp directory): samples.csv, the server's log, each window's h2load output;
# SOAK_SERVER_ARGS (extra `orders serve` flags, e.g. "--fault missing-ok-check" to watch the
# verdict catch the leak) and SOAK_H1_PATH (default /api/v1/order/map?ids=1,2,3).
# Verdict thresholds: SOAK_MAX_RSS_GROWTH_PCT (25), SOAK_MAX_FD_GROWTH (16),
# SOAK_MAX_TASK_GROWTH (16), SOAK_MAX_P99_RATIO (3: late p99 against early p99, with
# SOAK_P99_FLOOR_MS 5 as the least early p99 compared against).
# Passes when: no request failed or answered other than 2xx; RSS, fds and live tasks in the
# last quarter of the run stay within those bounds of the first quarter (after a warm-up
# window); p99 does not drift up; and once the load stops, live tasks drop to 0 and fds
# return to where they were before the load.
# Loopback only; every client runs for one window and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS=${SOAK_SECONDS:-600}
WINDOW=${SOAK_WINDOW:-10}
FRACTION=${SOAK_LOAD_FRACTION:-0.5}
THREADS=${SOAK_THREADS:-2}
MAX_RSS_GROWTH_PCT=${SOAK_MAX_RSS_GROWTH_PCT:-25}
MAX_FD_GROWTH=${SOAK_MAX_FD_GROWTH:-16}
MAX_TASK_GROWTH=${SOAK_MAX_TASK_GROWTH:-16}
MAX_P99_RATIO=${SOAK_MAX_P99_RATIO:-3}
P99_FLOOR_MS=${SOAK_P99_FLOOR_MS:-5}
OUT=${SOAK_OUT:-$(mktemp -d /tmp/orders-soak.XXXXXX)}
mkdir -p "$OUT"
(( SOAK_SECONDS >= 4 * WINDOW )) || { echo "SOAK_SECONDS must be at least 4 windows"; exit 2; }
(( SOAK_SECONDS <= 86400 )) || { echo "SOAK_SECONDS is at most a day"; exit 2; }

BIN=${ORDERS_BIN:-.build/release/orders}
if [[ ! -x $BIN ]]; then
  echo "== building $BIN"
  swift build -c release --product orders >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
fi
command -v h2load >/dev/null || { echo "h2load is missing (apt-get install nghttp2-client)"; exit 2; }

SERVER_PID=
cleanup() { [[ -n $SERVER_PID ]] && kill -TERM "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT
# shellcheck disable=SC2086 # SOAK_SERVER_ARGS is a list of flags
"$BIN" serve --host 127.0.0.1 --port 0 --admin-port 0 --threads "$THREADS" --disable-access-log ${SOAK_SERVER_ARGS:-} >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q 'listener=admin' "$OUT/server.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
  sleep 0.1
done
PORT=$(grep 'listener=public' "$OUT/server.log" | head -1 | sed -E 's/.* port=([0-9]+).*/\1/')
ADMIN=$(grep 'listener=admin' "$OUT/server.log" | head -1 | sed -E 's/.* port=([0-9]+).*/\1/')
H1_URL="http://127.0.0.1:$PORT${SOAK_H1_PATH:-/api/v1/order/map?ids=1,2,3}"
H2_URL="http://127.0.0.1:$PORT/api/v1/user/fetch?name=alice"
H1_CLIENTS=8
H2_CLIENTS=4
H2_STREAMS=8

vars() { curl -s -m 5 "http://127.0.0.1:$ADMIN/debug/vars"; }
field() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1], {}, {"v": v}))' "$1"; }
# Requests per second and failures from h2load's summary.
rate_of() { awk '/^finished in/ {gsub(",", "", $4); print int($4)}' "$1"; }
bad_of() {
  awk '/^requests:/ {f=$10+$12+$14} /^status codes:/ {s=$5+$7+$9} END {print f+s+0}' "$1"
}
# p99 in ms of a window's per-request log (third column: microseconds).
p99_of() { cat "$@" 2>/dev/null | awk -F'\t' '$2 >= 200 {print $3}' | sort -n |
           awk '{a[NR]=$1} END {if (NR == 0) {print "nan"; exit} i=int(NR*0.99); if (i<1) i=1; printf "%.2f", a[i]/1000}'; }

echo "== server pid $SERVER_PID on $PORT (admin $ADMIN); output in $OUT"
baseline_fds=$(vars | field 'v["open_fds"]')

echo "== calibrating: full rate for 5 s (h1 + h2c together)"
h2load --h1 -c $H1_CLIENTS -D 5 "$H1_URL" >"$OUT/max-h1.txt" 2>&1 &
p1=$!
h2load -c $H2_CLIENTS -m $H2_STREAMS -D 5 "$H2_URL" >"$OUT/max-h2.txt" 2>&1
wait $p1
max_h1=$(rate_of "$OUT/max-h1.txt"); max_h2=$(rate_of "$OUT/max-h2.txt")
rps_h1=$(python3 -c "print(max(1, int($max_h1 * $FRACTION / $H1_CLIENTS)))")
rps_h2=$(python3 -c "print(max(1, int($max_h2 * $FRACTION / $H2_CLIENTS)))")
echo "   max: h1 $max_h1 req/s, h2c $max_h2 req/s; soak at ${FRACTION}: h1 $((rps_h1 * H1_CLIENTS)) req/s, h2c $((rps_h2 * H2_CLIENTS)) req/s"

windows=$(( SOAK_SECONDS / WINDOW ))
echo "window,elapsed_s,h1_rps,h2_rps,bad,p99_ms,rss_mib,open_fds,tasks_live,connections" >"$OUT/samples.csv"
start=$(date +%s)
for w in $(seq 1 "$windows"); do
  h2load --h1 -c $H1_CLIENTS --rps "$rps_h1" -D "$WINDOW" --log-file "$OUT/w$w-h1.tsv" "$H1_URL" >"$OUT/w$w-h1.txt" 2>&1 &
  p1=$!
  h2load -c $H2_CLIENTS -m $H2_STREAMS --rps "$rps_h2" -D "$WINDOW" --log-file "$OUT/w$w-h2.tsv" "$H2_URL" >"$OUT/w$w-h2.txt" 2>&1 &
  p2=$!
  sleep $(( WINDOW / 2 ))
  v=$(vars)            # sampled mid-window, with the load's connections open
  wait $p1 $p2 || true
  rss=$(field 'round(v["resident_memory_bytes"] / 1048576, 1)' <<<"$v")
  fds=$(field 'v["open_fds"]' <<<"$v")
  tasks=$(field 'v["tasks"]["live"]' <<<"$v")
  conns=$(field 'sum(v["connections"].values())' <<<"$v")
  bad=$(( $(bad_of "$OUT/w$w-h1.txt") + $(bad_of "$OUT/w$w-h2.txt") ))
  p99=$(p99_of "$OUT/w$w-h1.tsv" "$OUT/w$w-h2.tsv")
  line="$w,$(( $(date +%s) - start )),$(rate_of "$OUT/w$w-h1.txt"),$(rate_of "$OUT/w$w-h2.txt"),$bad,$p99,$rss,$fds,$tasks,$conns"
  echo "$line" >>"$OUT/samples.csv"
  echo "   $line"
  rm -f "$OUT/w$w-h1.tsv" "$OUT/w$w-h2.tsv"
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: the server exited during the soak"; exit 1; }
done

sleep 2  # let the last connections close
after=$(vars)
after_fds=$(field 'v["open_fds"]' <<<"$after")
after_tasks=$(field 'v["tasks"]["live"]' <<<"$after")

python3 - "$OUT/samples.csv" "$baseline_fds" "$after_fds" "$after_tasks" \
  "$MAX_RSS_GROWTH_PCT" "$MAX_FD_GROWTH" "$MAX_TASK_GROWTH" "$MAX_P99_RATIO" "$P99_FLOOR_MS" <<'PY'
import csv, statistics, sys
path, base_fds, after_fds, after_tasks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
max_rss_pct, max_fd, max_task, max_p99_ratio, p99_floor = map(float, sys.argv[5:10])
rows = list(csv.DictReader(open(path)))[1:]  # the first window is warm-up
q = max(1, len(rows) // 4)
early, late = rows[:q], rows[-q:]
med = lambda rs, k: statistics.median(float(r[k]) for r in rs if r[k] != "nan")
failures = []
bad = sum(int(r["bad"]) for r in rows)
if bad: failures.append(f"{bad} requests failed or were not 2xx")
rss0, rss1 = med(early, "rss_mib"), med(late, "rss_mib")
if rss1 > rss0 * (1 + max_rss_pct / 100): failures.append(f"RSS grew {rss0:.1f} -> {rss1:.1f} MiB")
fd0, fd1 = med(early, "open_fds"), med(late, "open_fds")
if fd1 > fd0 + max_fd: failures.append(f"open fds grew {fd0:.0f} -> {fd1:.0f}")
t0, t1 = med(early, "tasks_live"), med(late, "tasks_live")
if t1 > t0 + max_task: failures.append(f"live tasks grew {t0:.0f} -> {t1:.0f}")
p0, p1 = med(early, "p99_ms"), med(late, "p99_ms")
if p1 > max(p0, p99_floor) * max_p99_ratio: failures.append(f"p99 drifted {p0:.2f} -> {p1:.2f} ms")
if after_tasks != 0: failures.append(f"{after_tasks} tasks still live after the load stopped")
if after_fds > base_fds + 2: failures.append(f"fds after the load {after_fds}, before it {base_fds}")
print(f"== early vs late (median of {q} windows each): RSS {rss0:.1f} -> {rss1:.1f} MiB, fds {fd0:.0f} -> {fd1:.0f}, "
      f"live tasks {t0:.0f} -> {t1:.0f}, p99 {p0:.2f} -> {p1:.2f} ms; after the load: {after_tasks} tasks, "
      f"{after_fds} fds (before: {base_fds})")
print("VERDICT: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
sys.exit(1 if failures else 0)
PY
