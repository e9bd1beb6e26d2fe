#!/usr/bin/env bash
# Set-up command 2: install what is missing, build everything, and run every test.
# The integration tests start the real `orders` binary on ephemeral loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
