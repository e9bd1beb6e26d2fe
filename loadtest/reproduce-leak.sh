#!/usr/bin/env bash
# reproduce-leak.sh: the task-leak incident in one command, on loopback.
#
#   1. starts `orders` with the missing-ok-check fault (free ports, its own process);
#   2. drives the mixed order-map load (2 % of the ids do not exist) with the watcher on;
#   3. prints the verdict and the curl commands that show the leaking group (and runs them);
#   4. turns the fault off (POST /debug/faults) and runs the same load again: flat tasks;
#   5. stops the server.
#
# Exit status 0 when the first run found the leak and the second did not, 1 otherwise.
#
# Environment: CONFIG=release|debug (default release; built if needed), BIN (a directory
# holding built `orders` and `loadtest`: no build step), DURATION (6s),
# SETTLE (4s), CONNECTIONS (16), RATE (open-loop req/s; empty: closed loop), KEEP=1 keeps
# the JSON and HTML reports and the server log in $OUT (default: a temp directory).
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG=${CONFIG:-release}
DURATION=${DURATION:-6s}
SETTLE=${SETTLE:-4s}
CONNECTIONS=${CONNECTIONS:-16}
RATE=${RATE:-}
SCENARIO=loadtest/scenarios/order-map.json
OUT=${OUT:-$(mktemp -d -t reproduce-leak.XXXXXX)}
mkdir -p "$OUT"

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

if [ -z "${BIN:-}" ]; then
    bold "== building ($CONFIG)"
    swift build -c "$CONFIG" --product orders >/dev/null
    swift build -c "$CONFIG" --product loadtest >/dev/null
    BIN=$(swift build -c "$CONFIG" --show-bin-path)
fi

bold "== 1. starting orders with the missing-ok-check fault"
LOG="$OUT/orders.log"
# --exit-when-stdin-closes: the server also ends if this script dies without its trap.
exec 3> >("$BIN/orders" serve --host 127.0.0.1 --port 0 --admin-port 0 --threads 2 \
    --fault missing-ok-check --disable-access-log --exit-when-stdin-closes >"$LOG" 2>&1)
SERVER_PID=$!
stop_server() {
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    SERVER_PID=
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$OUT"; fi
}
trap stop_server EXIT

port_of() { # listener name, log field: from "… listener=admin port=36717 … listening"
    grep 'listening' "$LOG" | grep "listener=$1 " | grep -o " $2=[0-9]*" | head -1 | cut -d= -f2 || true
}
PORT= ADMIN_PORT=
for _ in $(seq 1 300); do
    PORT=$(port_of public port); ADMIN_PORT=$(port_of admin port)
    [ -n "$PORT" ] && [ -n "$ADMIN_PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG"; echo "orders did not start" >&2; exit 1; }
    sleep 0.1
done
[ -n "$PORT" ] && [ -n "$ADMIN_PORT" ] || { cat "$LOG"; echo "orders did not log its ports" >&2; exit 1; }
ADMIN="http://127.0.0.1:$ADMIN_PORT"
echo "orders pid $SERVER_PID: public http://127.0.0.1:$PORT, admin $ADMIN"
curl -s "$ADMIN/debug/faults"; echo

load() { # run name
    local args=("http://127.0.0.1:$PORT" --scenario "$SCENARIO" --duration "$DURATION" -c "$CONNECTIONS"
                --watch "$ADMIN" --settle "$SETTLE" --fail-on-leak
                --json "$OUT/$1.json" --html "$OUT/$1.html")
    if [ -n "$RATE" ]; then args+=(--rate "$RATE"); fi
    echo "\$ loadtest ${args[*]}"
    local status=0
    "$BIN/loadtest" "${args[@]}" || status=$?
    return $status
}

bold "== 2. mixed load, 2 % missing order ids, watcher on"
FIRST=0
load with-fault || FIRST=$?

bold "== 3. the leaking group, by hand"
cat <<CMDS
curl -s '$ADMIN/debug/tasks?debug=1' | head -8
curl -s '$ADMIN/debug/tasks?name=stock-validation&state=waiting&debug=2' | head -12
curl -s $ADMIN/metrics | grep -E '^(tasks_active\{name="stock-validation"|http_recovered_panics_total)'
CMDS
echo "--- curl -s '$ADMIN/debug/tasks?debug=1' | head -8"
curl -s "$ADMIN/debug/tasks?debug=1" | head -8
echo "--- curl -s $ADMIN/metrics | grep ..."
curl -s "$ADMIN/metrics" | grep -E '^(tasks_active\{name="stock-validation"|http_recovered_panics_total)' || true

bold "== 4. fault off, the same load again"
echo "\$ curl -s -X POST -d '{\"missing-ok-check\":false}' $ADMIN/debug/faults"
curl -s -X POST -d '{"missing-ok-check":false}' "$ADMIN/debug/faults"; echo
SECOND=0
load without-fault || SECOND=$?

bold "== 5. stopping orders"
stop_server
trap - EXIT

echo
if [ $((FIRST & 2)) -ne 0 ] && [ $((SECOND & 2)) -eq 0 ]; then
    bold "REPRODUCED: the fault leaks stock-validation tasks; with it off the task count stays flat."
    [ "${KEEP:-0}" = 1 ] && echo "reports and server log in $OUT"
    exit 0
fi
bold "NOT REPRODUCED: first run exit $FIRST (2 = leak found), second run exit $SECOND (expected 0 or 1)"
exit 1
