#!/usr/bin/env bash
# check-html-report.sh: the incident report of a real run, opened in a real browser.
#
#   1. starts `orders` with the missing-ok-check fault (it leaks) on free loopback ports;
#   2. runs the order-map scenario against it with the watcher and a server-side limit,
#      writing --html and --json;
#   3. opens the page in Debian's chromium, headless: --dump-dom, and checks that every
#      section rendered (its id, and some of its content), with nothing fetched or run;
#   4. takes a screenshot, and prints its path (a temp directory: never in git).
#
# Usage: loadtest/check-html-report.sh [BIN]   (BIN: a directory with built `orders` and
# `loadtest`; default .build/debug). Exit status 0 when every check passed; 1, loudly,
# otherwise. OUT=dir keeps everything there instead of a new temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-.build/debug}
OUT=${OUT:-$(mktemp -d -t loadtest-html.XXXXXX)}
mkdir -p "$OUT"
fail() { echo "check-html-report: FAILED: $*" >&2; exit 1; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
[ -x "$BIN/orders" ] && [ -x "$BIN/loadtest" ] || fail "no built orders and loadtest in $BIN"

LOG="$OUT/orders.log"
exec 3> >("$BIN/orders" serve --host 127.0.0.1 --port 0 --admin-port 0 --threads 1 \
    --fault missing-ok-check --stock-latency 1 --disable-access-log --exit-when-stdin-closes >"$LOG" 2>&1)
SERVER_PID=$!
stop_server() {
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    fi
}
trap stop_server EXIT
port_of() { grep 'listening' "$LOG" | grep "listener=$1 " | grep -o " port=[0-9]*" | head -1 | cut -d= -f2 || true; }
PORT= ADMIN_PORT=
for _ in $(seq 1 300); do
    PORT=$(port_of public); ADMIN_PORT=$(port_of admin)
    [ -n "$PORT" ] && [ -n "$ADMIN_PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG"; fail "orders did not start"; }
    sleep 0.1
done
[ -n "$PORT" ] && [ -n "$ADMIN_PORT" ] || fail "orders did not log its ports"

status=0
"$BIN/loadtest" "http://127.0.0.1:$PORT" --scenario loadtest/scenarios/order-map.json --duration 4s -c 8 \
    --rate 300 --watch "http://127.0.0.1:$ADMIN_PORT" --settle 2s \
    --max-server-p99 /api/v1/order/map=5s --max-server-5xx-rate 1 \
    --html "$OUT/report.html" --json "$OUT/report.json" >"$OUT/loadtest.txt" 2>&1 || status=$?
[ "$status" = 0 ] || { cat "$OUT/loadtest.txt"; fail "loadtest exited $status (expected 0: the limits are loose)"; }

# Chromium refuses to run as root inside its sandbox; the page is a local file.
flags=(--headless --disable-gpu --no-first-run --user-data-dir="$OUT/profile" --hide-scrollbars)
[ "$(id -u)" = 0 ] && flags+=(--no-sandbox)
# Every fetch would be a failure: the page must be self-contained.
flags+=(--host-resolver-rules="MAP * ~NOTFOUND")
timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$OUT/report.html" >"$OUT/dom.html" 2>"$OUT/chromium-dom.log" \
    || { tail -20 "$OUT/chromium-dom.log"; fail "chromium --dump-dom failed"; }

python3 - "$OUT/dom.html" "$OUT/report.json" <<'PY' || fail "the rendered DOM is missing a section or its content (see above)"
import json, sys
from html.parser import HTMLParser

class Sections(HTMLParser):
    """Text and element counts per <section id=...>, as chromium rendered them."""
    def __init__(self):
        super().__init__()
        self.stack, self.sections, self.tags = [], {}, {}
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "section":
            self.stack.append(attrs.get("id"))
            self.sections.setdefault(attrs.get("id"), {"text": "", "tags": {}})
        for name in self.stack:
            counts = self.sections[name]["tags"]
            counts[tag] = counts.get(tag, 0) + 1
    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.stack.pop()
    def handle_data(self, data):
        for name in self.stack:
            self.sections[name]["text"] += data

dom = open(sys.argv[1], encoding="utf-8").read()
report = json.load(open(sys.argv[2]))
parser = Sections()
parser.feed(dom)
slowest = report["incident"]["slowest_requests"]
expected = {
    # id: (texts that must appear in it, elements it must hold at least once)
    "summary": (["loadtest: http://127.0.0.1:", "responses in"], ["pre"]),
    "verdict": (["leak:", "stock-validation"], []),
    "server-thresholds": (["No server-side limit was crossed", "--max-server-p99 /api/v1/order/map"], []),
    "client-latency": (["Latency (ms)", "p99"], ["svg", "polyline"]),
    "client-throughput": (["Responses per second"], ["svg", "rect"]),
    "client-status": (["Status codes per second", "2xx"], ["svg", "rect"]),
    "server-tasks": (["Live tasks (watcher)", "total tasks"], ["svg", "polyline"]),
    "server-routes": (["Server p99 by route (ms)", "/api/v1/order/map"], ["svg", "polyline"]),
    "server-5xx": (["Server 5xx/s"], ["svg", "polyline"]),
    "task-snapshots": (["baseline", "peak", "settled", "stock-validation", "no: +"], ["table", "details"]),
    "orphans": (["stock-validation", "/api/v1/order/map", "map GET"], ["table"]),
    "slowest-requests": (["X-Request-Id", slowest[0]["request_id"], slowest[0]["entry"]], ["table"]),
}
problems = []
for name, (texts, tags) in expected.items():
    section = parser.sections.get(name)
    if section is None:
        problems.append(f"section #{name} is missing")
        continue
    for text in texts:
        if text not in section["text"]:
            problems.append(f"section #{name} lacks the text {text!r}")
    for tag in tags:
        if section["tags"].get(tag, 0) == 0:
            problems.append(f"section #{name} has no <{tag}>")
if len(slowest) != 20:
    problems.append(f"{len(slowest)} slowest requests, expected 20")
rows = parser.sections.get("slowest-requests", {"tags": {}})["tags"].get("tr", 0)
if rows != len(slowest) + 1:
    problems.append(f"the slowest-requests table has {rows} rows, expected {len(slowest) + 1}")
for tag in ("script", "link", "iframe", "img"):
    if parser.tags.get(tag):
        problems.append(f"the page has a <{tag}>: it must be self-contained, without scripts")
unknown = sorted(set(parser.sections) - set(expected))
if unknown:
    problems.append(f"sections this check does not know: {unknown} (add them to the check)")
for problem in problems:
    print("  " + problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-html-report: {len(expected)} sections rendered with their content")
PY

timeout 120 "$CHROMIUM" "${flags[@]}" --window-size=1000,5200 --screenshot="$OUT/report.png" "file://$OUT/report.html" \
    >"$OUT/chromium-shot.log" 2>&1 || { tail -20 "$OUT/chromium-shot.log"; fail "chromium --screenshot failed"; }
[ -s "$OUT/report.png" ] || fail "no screenshot written"
python3 - "$OUT/report.png" <<'PY' || fail "the screenshot is blank or not a PNG"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width >= 800 and height >= 1000, f"{width}x{height}"
# A blank page compresses to almost nothing; a rendered report does not.
assert len(data) > 50_000, f"only {len(data)} bytes"
PY
echo "check-html-report: screenshot $OUT/report.png (report $OUT/report.html)"
