#!/usr/bin/env bash
# Checks the Prometheus rules in deploy/prometheus: syntax and lint (any finding fails),
# then the unit tests in alerts.test.yml. promtool is in Debian's prometheus package,
# which scripts/install-deps.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null; then
  echo "check-alerts: promtool not found; run scripts/install-deps.sh (Debian package prometheus)" >&2
  exit 1
fi
promtool check rules --lint=all --lint-fatal deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts.test.yml
