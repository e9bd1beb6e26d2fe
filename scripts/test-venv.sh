#!/usr/bin/env bash
# The tests' own Python packages, from PyPI, in .venv-test (not committed): the real
# OpenTelemetry protobuf messages that scripts/otlp-receiver.py decodes exports with, and
# prometheus_client, whose OpenMetrics parser reads /metrics' OpenMetrics body.
# kubernetes-validate and the Prometheus Operator CRD types check deploy/kubernetes.
# Idempotent: does nothing once the pinned versions are there.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(opentelemetry-proto==1.45.2 protobuf==7.36.2 prometheus-client==0.26.0
          kubernetes-validate==1.37.0 cloudcoil==0.6.0 cloudcoil-models-prometheus-operator==0.80.1.0)
# The public API's contract (docs/openapi.yaml): its validator, and schemathesis to test the
# live binary against it (scripts/check-openapi.sh).
packages+=(openapi-spec-validator==0.9.0 schemathesis==4.32.5)
if [[ -x .venv-test/bin/python ]] && .venv-test/bin/python - "${packages[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if all(version(p.split("==")[0]) == p.split("==")[1] for p in sys.argv[1:]) else 1)
PY
then
  exit 0
fi
python3 -m venv .venv-test
.venv-test/bin/pip install --quiet --disable-pip-version-check "${packages[@]}"
