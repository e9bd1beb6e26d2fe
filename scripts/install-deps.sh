#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if any is missing.
#   scripts/install-deps.sh          build + test packages
#   scripts/install-deps.sh --bench  also the benchmark tools and peer servers
set -euo pipefail

# h2load (nghttp2-client) and the openssl CLI drive the HTTP/2 and TLS tests; python3-venv
# holds the tests' PyPI packages (scripts/test-venv.sh); zlib1g-dev gzips the pprof task
# profile, and golang-go's `go tool pprof` reads it in the tests.
# systemd gives systemd-analyze, which verifies deploy/systemd/orders.service.
packages=(libnghttp2-dev libssl-dev zlib1g-dev pkg-config curl prometheus nghttp2-client openssl python3 python3-venv
          golang-go systemd)
# chromium renders loadtest's HTML incident report headless (loadtest/check-html-report.sh).
packages+=(chromium)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk nghttp2-server nginx h2o linux-perf valgrind)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
