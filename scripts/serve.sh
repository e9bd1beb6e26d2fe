#!/usr/bin/env bash
# Set-up command 1: install what is missing, build a release binary, and run the service.
# Extra arguments go to `orders serve` (see `.build/release/orders serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product orders
exec .build/release/orders serve "$@"
