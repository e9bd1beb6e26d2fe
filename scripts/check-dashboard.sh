#!/usr/bin/env bash
# Checks the Grafana dashboard deploy/grafana/orders.json: its shape, then every PromQL
# expression in it against a real Prometheus (Debian's package, which scripts/install-deps.sh
# installs) that loads deploy/prometheus/alerts.yml and scrapes a live `orders` under a short
# load; each must return data. Takes about 10 s, 60 s at most for the data. See
# scripts/check-dashboard.py and docs/OPERATIONS.md ("Dashboard").
# Usage: scripts/check-dashboard.sh [ORDERS_BINARY]   (default .build/debug/orders)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/orders}
if ! command -v prometheus >/dev/null; then
  echo "check-dashboard: prometheus not found; run scripts/install-deps.sh (Debian package prometheus)" >&2
  exit 1
fi
if [[ ! -x $binary ]]; then
  echo "check-dashboard: $binary not found; build it first (swift build)" >&2
  exit 1
fi
python=python3
[[ -x .venv-test/bin/python ]] && python=.venv-test/bin/python
# The check stops its own processes on every way out, SIGTERM included; the timeout is a
# backstop for a hang in start-up.
exec timeout --kill-after=30 300 "$python" scripts/check-dashboard.py "$binary"
