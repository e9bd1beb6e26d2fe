#!/usr/bin/env bash
# Checks the deployment files; any finding fails (exit 1). Needs no Swift build.
#  1. deploy/kubernetes: every manifest with kubernetes-validate --strict (Kubernetes 1.30
#     and the newest it knows), the Prometheus Operator resources against the operator's
#     CRD types (cloudcoil-models-prometheus-operator: kubernetes-validate has no CRD
#     schemas), the PrometheusRule's groups == deploy/prometheus/alerts.yml's, and the
#     Deployment's grace period, probes and security settings (scripts/check-deploy.py).
#  2. promtool check rules and the alert unit tests on the PrometheusRule's embedded rules.
#  3. systemd-analyze verify on deploy/systemd/orders.service.
# Packages: scripts/install-deps.sh (prometheus, systemd), scripts/test-venv.sh (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in promtool systemd-analyze .venv-test/bin/python; do
  command -v "$tool" >/dev/null || { echo "check-deploy: $tool not found; run scripts/install-deps.sh and scripts/test-venv.sh" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

.venv-test/bin/python scripts/check-deploy.py deploy/kubernetes deploy/prometheus/alerts.yml "$work/alerts.yml"

# The embedded rules, as Prometheus would load them from the operator, through the same
# lint and the same unit tests as alerts.yml (the tests name alerts.yml beside them).
promtool check rules --lint=all --lint-fatal "$work/alerts.yml"
cp deploy/prometheus/alerts.test.yml "$work/"
promtool test rules "$work/alerts.test.yml"

# verify needs ExecStart's binary to exist and be executable, and the unit names the
# installed path, /usr/local/bin/orders. The copy names a built binary instead when there
# is one, else a placeholder executable: verify checks only that the path can be run, not
# what it does, and everything else in the unit is verified as written.
binary=$(ls -t .build/release/orders .build/debug/orders 2>/dev/null | head -n 1 || true)
if [[ -z "$binary" ]]; then
  binary="$work/orders"
  printf '#!/bin/sh\nexit 0\n' > "$binary"
  chmod 0755 "$binary"
fi
mkdir "$work/systemd"
sed "s#^ExecStart=/usr/local/bin/orders #ExecStart=$(realpath "$binary") #" deploy/systemd/orders.service > "$work/systemd/orders.service"
grep -q "^ExecStart=$(realpath "$binary") " "$work/systemd/orders.service" || { echo "check-deploy: orders.service has no ExecStart=/usr/local/bin/orders" >&2; exit 1; }
# verify prints problems as warnings with exit 0 for some of them: any output fails.
verify_output=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$work/systemd/orders.service" 2>&1) || { echo "$verify_output" >&2; exit 1; }
if [[ -n "$verify_output" ]]; then
  echo "check-deploy: systemd-analyze verify orders.service:" >&2
  echo "$verify_output" >&2
  exit 1
fi
echo "check-deploy: systemd-analyze verify orders.service: clean"
