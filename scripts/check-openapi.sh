#!/usr/bin/env bash
# The public API's contract, docs/openapi.yaml: validated by openapi-spec-validator, then
# tested by schemathesis with every check and a fixed seed against a freshly started
# `orders` on ephemeral loopback ports. Exits non-zero on any failure.
#
# Two passes, each against its own server:
#   1. every operation, every check, with the service's defaults;
#   2. /api/v1/order/map with the inventory source always failing, so that the 503
#      `dependency_unavailable` answers are held to their schema too (every check but
#      not_a_server_error, which a 503 fails by definition).
#
# Needs the binary (`swift build`, or ORDERS_BINARY=path) and .venv-test
# (scripts/test-venv.sh). OPENAPI_SEED and OPENAPI_MAX_EXAMPLES change the seed and the
# examples per operation; extra arguments go to the first pass's `schemathesis run`, e.g.
# `scripts/check-openapi.sh --include-path /payload`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
binary=${ORDERS_BINARY:-.build/debug/orders}
venv=$root/.venv-test/bin
seed=${OPENAPI_SEED:-18}
examples=${OPENAPI_MAX_EXAMPLES:-200}
[[ -x $binary ]] || { echo "check-openapi: no $binary; build it first (swift build)" >&2; exit 1; }
[[ -x $venv/schemathesis && -x $venv/openapi-spec-validator ]] || {
  echo "check-openapi: schemathesis or openapi-spec-validator missing; run scripts/test-venv.sh" >&2; exit 1; }

"$venv/openapi-spec-validator" docs/openapi.yaml

work=$(mktemp -d)
server=
port=
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

# Starts `orders serve` with extra arguments "$@" on ephemeral ports; sets server and port.
start_server() {
  rm -f "$work/stdin"
  mkfifo "$work/stdin"
  # The server reads this fifo (--exit-when-stdin-closes): if this script dies, whatever
  # the signal, its end of the fifo closes and the server shuts down too.
  "$binary" serve --host 127.0.0.1 --port 0 --admin-port 0 --threads 2 --exit-when-stdin-closes "$@" \
    <"$work/stdin" >"$work/server.log" 2>&1 &
  server=$!
  exec 3>"$work/stdin"
  port=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listener=public .*\bport=\([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
    [[ -n $port ]] && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  echo "check-openapi: orders did not start; it said:" >&2
  cat "$work/server.log" >&2
  exit 1
}

# Stops the server; fails when it had died, or logged an error that escaped a handler.
stop_server() {
  [[ -n $server ]] || return 0
  local failed=0
  if ! kill -0 "$server" 2>/dev/null; then
    echo "check-openapi: orders exited during the run; its log:" >&2
    tail -n 50 "$work/server.log" >&2
    failed=1
  fi
  if grep -q 'handler error escaped\|recovered an error that escaped' "$work/server.log"; then
    echo "check-openapi: orders logged a handler failure:" >&2
    grep 'handler error escaped\|recovered an error that escaped' "$work/server.log" | head -n 20 >&2
    failed=1
  fi
  exec 3>&-
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
  return "$failed"
}

# Runs schemathesis against the server on $port. A run is its seed's alone: no example
# database (--generation-database none), and schemathesis and Hypothesis keep their
# caches (.schemathesis/, .hypothesis/) in the temporary directory, so nothing from an
# earlier run is replayed. scripts/schemathesis.toml says which probes are left out, and why.
run_schemathesis() {
  (cd "$work" && "$venv/schemathesis" --config-file "$root/scripts/schemathesis.toml" run "$root/docs/openapi.yaml" \
    --url "http://127.0.0.1:$port" \
    --seed "$seed" \
    --max-examples "$examples" \
    --generation-database none \
    --request-timeout 10 \
    --no-color \
    "$@")
}

status=0
start_server
run_schemathesis --checks all "$@" || status=1
stop_server || status=1

start_server --inventory-failure-rate 1
run_schemathesis --checks all --exclude-checks not_a_server_error \
  --include-path /api/v1/order/map --max-examples 30 || status=1
stop_server || status=1

exit "$status"
