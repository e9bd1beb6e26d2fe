#!/usr/bin/env bash
# Set-up command 2: install what is missing, build everything, and run every test.
# The integration tests start the real `orders` binary on ephemeral loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/test-venv.sh
scripts/check-alerts.sh
scripts/check-deploy.sh
swift build --build-tests
# The OpenAPI contract against the binary just built (validator, then schemathesis).
scripts/check-openapi.sh
if [[ $# -gt 0 ]]; then
  exec swift test --skip-build "$@"
fi
# The Grafana dashboard's every expression against a real Prometheus scraping the binary.
scripts/check-dashboard.sh .build/debug/orders
# loadtest's HTML incident report of a real leaking run, rendered by headless chromium.
loadtest/check-html-report.sh .build/debug
# The ignored-lookup lint over Sources/ and its own tests: a package of its own
# (Tools/LookupLint), so that swift-syntax stays out of the server's build.
swift test --package-path Tools/LookupLint
# Unit tests first, then the integration tests in their own process: those block threads
# on sockets and child processes, which would starve timing-sensitive unit tests.
swift test --skip-build --skip IntegrationTests
swift test --skip-build --filter IntegrationTests
