#!/usr/bin/env python3
"""Reads an OpenMetrics body on stdin with prometheus_client's strict parser (PyPI) and
prints one JSON line per exemplar: the family, the sample's labels, and the exemplar's
labels, value and timestamp. Exits non-zero, with the parser's error, on an invalid body.
For the tests (scripts/test-venv.sh installs the parser)."""
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families

body = sys.stdin.read()
try:
    families = list(text_string_to_metric_families(body))
except Exception as error:  # the parser's verdict is the test's
    print("invalid OpenMetrics: %s" % error, file=sys.stderr)
    sys.exit(1)
for family in families:
    for sample in family.samples:
        if sample.exemplar:
            print(json.dumps({"family": family.name, "type": family.type, "labels": sample.labels,
                              "exemplar": sample.exemplar.labels, "value": sample.exemplar.value,
                              "timestamp": float(sample.exemplar.timestamp.sec) + sample.exemplar.timestamp.nsec / 1e9}))
print(json.dumps({"families": len(families)}))
