#!/usr/bin/env bash
# Benchmarks `orders` beside peer servers in one run (../shared/peers/run_all.sh):
# server pinned to CPU 0, load tool to CPU 1, interleaved rounds, then the summary.
#   benchmarks/peers.sh                 # nginx h2o self, 3 rounds
#   PEERS="nginx self" ROUNDS=5 benchmarks/peers.sh
#   PEERS="h2o nghttpd self" benchmarks/peers.sh   # HTTP/2 (h2c, h2load -c 64 -m 10)
# Prints the summary (median [min-max] per peer and test, server CPU us per request).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
peers_dir=${PEERS_DIR:-$repo/../shared/peers}
scripts/install-deps.sh --bench
swift build -c release --product orders >&2
results=${RESULTS:-/tmp/peers/results/raw-$(date +%Y%m%d-%H%M%S).txt}
mkdir -p "$(dirname "$results")"
# run_all.sh pins 'self' to CPU 0 with taskset, so the server starts one loop.
SELF_CMD="$repo/.build/release/orders serve --host 127.0.0.1 --port \$PORT --admin-port 0 --log-level warning" \
SELF_H2C=${SELF_H2C:-1} RESULTS=$results ROUNDS=${ROUNDS:-3} \
  "$peers_dir/run_all.sh" ${PEERS:-nginx h2o self} >&2
echo "# $(date -Is) $(nproc) CPUs; raw lines in $results"
python3 "$peers_dir/summarize.py" "$results"
