"""Checks deploy/kubernetes: every manifest against the Kubernetes schemas (strict), the
Prometheus Operator resources against their CRD types, the PrometheusRule against
deploy/prometheus/alerts.yml, and the Deployment's shutdown and security settings.
Run by scripts/check-deploy.sh inside .venv-test; prints each finding, exits 1 on any.

usage: check-deploy.py KUBERNETES_DIR ALERTS_YML RULES_OUT
RULES_OUT receives the PrometheusRule's groups as a rule file, for promtool.
"""
import glob
import os
import sys

import yaml
import kubernetes_validate.utils as kv
from cloudcoil.models.prometheus_operator import v1 as monitoring

# The oldest version with the preStop sleep action on by default, and the newest the
# installed kubernetes-validate knows.
KUBERNETES_VERSIONS = ["1.30.0", kv.latest_version()]
OPERATOR_KINDS = {"PodMonitor": monitoring.PodMonitor, "PrometheusRule": monitoring.PrometheusRule,
                  "ServiceMonitor": monitoring.ServiceMonitor}
REQUIRED_KINDS = {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                  "PodMonitor", "PrometheusRule"}

failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")


def unknown_keys(given, parsed, path=""):
    """Keys of `given` that the typed model dropped: pydantic ignores unknown fields, so a
    round trip that loses one means the CRD has no such field."""
    if isinstance(given, dict) and isinstance(parsed, dict):
        for key, value in given.items():
            if key not in parsed:
                yield f"{path}.{key}".lstrip(".")
            else:
                yield from unknown_keys(value, parsed[key], f"{path}.{key}")
    elif isinstance(given, list) and isinstance(parsed, list):
        for index, (a, b) in enumerate(zip(given, parsed)):
            yield from unknown_keys(a, b, f"{path}[{index}]")


def check_operator_resource(where, resource):
    model = OPERATOR_KINDS.get(resource.get("kind"))
    if model is None or resource.get("apiVersion") != "monitoring.coreos.com/v1":
        fail(where, f"unexpected {resource.get('apiVersion')} {resource.get('kind')}")
        return
    try:
        parsed = model.model_validate(resource).model_dump(by_alias=True, exclude_unset=True, mode="json")
    except Exception as error:  # pydantic.ValidationError: the field paths and reasons
        fail(where, f"does not match the {resource['kind']} CRD: {error}")
        return
    for key in unknown_keys(resource, parsed):
        fail(where, f"{resource['kind']} has no field {key}")


def check_core_resource(where, resource):
    for version in KUBERNETES_VERSIONS:
        try:
            kv.validate(resource, version, strict=True)
        except kv.ValidationError as error:
            path = ".".join(str(item) for item in error.path)
            fail(where, f"Kubernetes {version}: {path}: {error.message}")
        except kv.SchemaNotFoundError as error:
            # The tool only warns for a kind it has no schema for; a misspelt kind or
            # apiVersion must not pass.
            fail(where, error.message)


def container_port(container, name):
    return next((p["containerPort"] for p in container.get("ports", []) if p.get("name") == name), None)


def check_deployment(where, deployment, services):
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    args = container.get("args", [])
    drain_ms = next((int(a.split("=", 1)[1]) for a in args if a.startswith("--drain-timeout=")), 10_000)
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace * 1000 <= pre_stop * 1000 + drain_ms:
        fail(where, f"terminationGracePeriodSeconds {grace} does not exceed preStop {pre_stop}s + drain {drain_ms}ms")
    if pre_stop <= 0:
        fail(where, "no preStop pause before SIGTERM")
    probes = {name: container.get(name, {}).get("httpGet", {}) for name in ("readinessProbe", "livenessProbe")}
    if probes["readinessProbe"].get("path") != "/readyz" or probes["readinessProbe"].get("port") != "http":
        fail(where, "readiness must probe /readyz on the public port (only it serves /readyz)")
    if probes["livenessProbe"].get("path") != "/healthz":
        fail(where, "liveness must probe /healthz")
    security = container.get("securityContext", {})
    expected = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True}
    for key, value in expected.items():
        if security.get(key) is not value:
            fail(where, f"container securityContext.{key} must be {value}")
    if security.get("capabilities", {}).get("drop") != ["ALL"] or security.get("capabilities", {}).get("add"):
        fail(where, "capabilities must drop ALL and add none")
    if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail(where, "seccompProfile must be RuntimeDefault")
    for kind in ("requests", "limits"):
        if not {"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})):
            fail(where, f"resources.{kind} must set cpu and memory")
    admin = container_port(container, "admin")
    if admin is None:
        fail(where, "no container port named admin")
    if f"--admin-port={admin}" not in args or f"--port={container_port(container, 'http')}" not in args:
        fail(where, "--port/--admin-port do not match the named container ports")
    for service in services:
        for port in service["spec"]["ports"]:
            if port.get("targetPort") in ("admin", admin) or port.get("port") == admin:
                fail(f"Service {service['metadata']['name']}", "exposes the admin port")


def main():
    directory, alerts_path, rules_out = sys.argv[1:4]
    resources = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path) as file:
            for index, document in enumerate(yaml.safe_load_all(file)):
                if document:
                    resources.append((f"{os.path.basename(path)}#{index}", document))
    kinds = {resource.get("kind") for _, resource in resources}
    for kind in sorted(REQUIRED_KINDS - kinds):
        fail(directory, f"no {kind}")
    for where, resource in resources:
        if resource.get("apiVersion", "").startswith("monitoring.coreos.com/"):
            check_operator_resource(where, resource)
        else:
            check_core_resource(where, resource)
    services = [r for _, r in resources if r.get("kind") == "Service"]
    for where, resource in resources:
        if resource.get("kind") == "Deployment":
            check_deployment(where, resource, services)

    with open(alerts_path) as file:
        alerts = yaml.safe_load(file)
    rules = [(w, r) for w, r in resources if r.get("kind") == "PrometheusRule"]
    if len(rules) != 1:
        fail(directory, f"expected one PrometheusRule, found {len(rules)}")
    else:
        where, rule = rules[0]
        embedded = rule.get("spec", {}).get("groups")
        if embedded != alerts["groups"]:
            fail(where, f"spec.groups differ from {alerts_path}'s groups")
            for mine, theirs in zip(embedded or [], alerts["groups"]):
                if mine != theirs:
                    fail(where, f"first difference in group {theirs.get('name')}")
                    break
        with open(rules_out, "w") as file:
            yaml.safe_dump({"groups": embedded or []}, file, sort_keys=False)

    for failure in failures:
        print(f"check-deploy: {failure}", file=sys.stderr)
    print(f"check-deploy: {len(resources)} resources, {len(failures)} findings")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
