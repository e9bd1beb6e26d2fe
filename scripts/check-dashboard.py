#!/usr/bin/env python3
"""Checks deploy/grafana/orders.json: its shape, then every PromQL expression in it against a
real Prometheus that scrapes a live `orders` under a short load.

1. Shape: schemaVersion 39 or later, a uid and a title, a `datasource` variable of type
   datasource for Prometheus, and every panel, target and query variable using it (no fixed
   data source uid anywhere); unique panel ids; every panel on the 24-column grid; the metrics
   the dashboard exists for each appear in some expression.
2. Data: starts `orders serve` (ports picked by the kernel, faults missing-ok-check, stall and
   slow-inventory on, so 5xx, recovered panics, orphans, loop stalls and timers happen) and Prometheus (Debian's, on a
   free loopback port, temp storage, scrape and rule evaluation every second, rule_files =
   deploy/prometheus/alerts.yml), loads the public port for a bounded time, and asks
   Prometheus for every `expr` in the JSON, with the template variables filled in the way
   Grafana fills them (the query variables resolved from Prometheus, `All` as a regex of
   every value). Each must return at least one series with a finite value, and those on the
   faults' metrics (5xx, panics, orphans, stalls) a value above zero. The 5-minute
   windows of the recording rules need no wait: rate() has data from the second scrape.

Exits 1 on any failure, after stopping both processes. Usage: check-dashboard.py ORDERS_BINARY
"""
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "orders.json")
RULES = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")
DATASOURCE_REFS = ("${datasource}", "$datasource")
# The metrics the dashboard is for (issue 18): dropping a panel for one of them is a failure.
REQUIRED_METRICS = [
    "job_route:http_requests:rate5m", "job_route:http_requests_5xx:ratio_rate5m",
    "job_route:http_request_duration_seconds:p99_5m", "http_request_duration_seconds_bucket",
    "http_requests_in_flight", "tasks_active", "tasks_orphaned", "tasks_orphans_total",
    "eventloop_stalls_total", "eventloop_iteration_seconds_bucket", "eventloop_lag_seconds_bucket",
    "http_recovered_panics_total", "http_connections_active", "process_resident_memory_bytes",
    "process_open_fds", "process_cpu_seconds_total",
]
# The load switches on the faults these show, so their panels must show more than zeros: a
# panel for one of them that stays flat during a leak, a 5xx burst or stalls is a defect.
NONZERO_METRICS = [
    "job_route:http_requests_5xx:ratio_rate5m", "http_recovered_panics_total", "tasks_orphaned",
    "tasks_orphans_total", "eventloop_stalls_total",
]
# What Grafana puts in for its built-in interval variables, for a 1-hour range at the
# default scrape interval: $__rate_interval is at least four scrapes (4 x 15 s).
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}
LOAD_SECONDS = 60       # the load and the wait for data both end by then
REQUEST_TIMEOUT = 5


def fail(message):
    raise CheckFailed(message)


class CheckFailed(Exception):
    pass


# ---- shape --------------------------------------------------------------------------------

def all_panels(panels):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))  # a collapsed row holds its panels


def walk(node, path="$"):
    """Every (path, key, value) in the JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def is_datasource_ref(value):
    return isinstance(value, dict) and value.get("type") == "prometheus" and value.get("uid") in DATASOURCE_REFS


def variable_query(variable):
    query = variable.get("query")
    return query.get("query", "") if isinstance(query, dict) else (query or "")


def check_shape(dashboard):
    errors = []
    schema = dashboard.get("schemaVersion")
    if not isinstance(schema, int) or schema < 39:
        errors.append(f"schemaVersion is {schema!r}, not 39 or later")
    uid = dashboard.get("uid")
    if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
        errors.append(f"uid {uid!r} is not 1 to 40 letters, digits, '-' or '_'")
    if not isinstance(dashboard.get("title"), str) or not dashboard["title"].strip():
        errors.append("no title")
    variables = dashboard.get("templating", {}).get("list", [])
    ds = [v for v in variables if v.get("name") == "datasource"]
    if len(ds) != 1 or ds[0].get("type") != "datasource" or ds[0].get("query") != "prometheus":
        errors.append("templating needs one variable `datasource` of type datasource, query prometheus")
    for variable in variables:
        if variable.get("type") == "query":
            if not is_datasource_ref(variable.get("datasource")):
                errors.append(f"variable {variable.get('name')}: datasource is not ${{datasource}}")
            if not re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable_query(variable).strip()):
                errors.append(f"variable {variable.get('name')}: query is not label_values(SELECTOR, LABEL)")
    panels = list(all_panels(dashboard.get("panels", [])))
    if not panels:
        errors.append("no panels")
    ids = [p.get("id") for p in panels]
    for dup in sorted({i for i in ids if ids.count(i) > 1}, key=str):
        errors.append(f"panel id {dup} is used twice")
    for panel in panels:
        name = f"panel {panel.get('id')} ({panel.get('title')!r})"
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in "xywh") or grid["x"] < 0 or grid["x"] + grid["w"] > 24:
            errors.append(f"{name}: gridPos {grid} is not on the 24-column grid")
        if panel.get("type") == "row":
            continue
        if not panel.get("title"):
            errors.append(f"{name}: no title")
        if not is_datasource_ref(panel.get("datasource")):
            errors.append(f"{name}: datasource {panel.get('datasource')!r} is not the variable ${{datasource}}")
        targets = panel.get("targets", [])
        if not targets:
            errors.append(f"{name}: no targets")
        ref_ids = [t.get("refId") for t in targets]
        if len(set(ref_ids)) != len(ref_ids) or None in ref_ids:
            errors.append(f"{name}: refIds {ref_ids} are not unique")
        for target in targets:
            if not isinstance(target.get("expr"), str) or not target["expr"].strip():
                errors.append(f"{name} target {target.get('refId')}: no expr")
            if "datasource" in target and not is_datasource_ref(target["datasource"]):
                errors.append(f"{name} target {target.get('refId')}: datasource is not ${{datasource}}")
    # No fixed Prometheus data source anywhere else either (annotations, links, …).
    for path, key, value in walk(dashboard):
        if path.startswith(("$.panels", "$.templating")):
            continue  # checked above
        if key == "datasource" and isinstance(value, dict) and value.get("type") == "prometheus" \
                and not is_datasource_ref(value):
            errors.append(f"{path}.datasource is a fixed data source {value!r}")
        if key == "__inputs":
            errors.append("the dashboard is an export with __inputs; it must use the datasource variable")
    exprs = " ".join(e for _, e in expressions(dashboard))
    for metric in REQUIRED_METRICS:
        if not uses(exprs, metric):
            errors.append(f"no expression uses {metric}")
    return errors


def expressions(dashboard):
    """(where, expr) for every `expr` anywhere in the JSON: panel targets, and anything else."""
    return [(f"{path}", value) for path, key, value in walk(dashboard) if key == "expr" and isinstance(value, str)]


def describe(dashboard, path):
    """A readable name for a JSON path like $.panels[3].targets[0]."""
    match = re.match(r"\$\.panels\[(\d+)\](?:\.panels\[(\d+)\])?\.targets\[(\d+)\]", path)
    if not match:
        return path
    panel = dashboard["panels"][int(match[1])]
    if match[2] is not None:
        panel = panel["panels"][int(match[2])]
    target = panel["targets"][int(match[3])]
    return f"{panel.get('title')!r} {target.get('refId')}"


# ---- processes ----------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=REQUEST_TIMEOUT):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def prom_api(base, path, **params):
    query = urllib.parse.urlencode(params, doseq=True)
    try:
        _, body = http_get(f"{base}{path}?{query}")
    except urllib.error.HTTPError as error:  # a bad query is a 400 with the parser's message
        body = error.read()
    reply = json.loads(body)
    if reply.get("status") != "success":
        fail(f"{path} {params}: {reply}")
    return reply["data"]


class Processes:
    """Children started by this check, stopped (by pid) on every way out."""

    def __init__(self):
        self.children = []

    def start(self, name, argv, log_path):
        log = open(log_path, "wb")
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.children.append((name, process, log_path))
        return process

    def stop_all(self):
        for _, process, _ in reversed(self.children):
            if process.poll() is None:
                process.terminate()
        for name, process, _ in reversed(self.children):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                print(f"check-dashboard: {name} did not stop on SIGTERM; killing it", file=sys.stderr)
                process.kill()
                process.wait()

    def print_logs(self, lines=30):
        for name, _, log_path in self.children:
            try:
                tail = open(log_path, errors="replace").read().splitlines()[-lines:]
            except OSError:
                continue
            print(f"--- last lines of {name}'s log ---", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)


def start_orders(processes, binary, tmp):
    log_path = os.path.join(tmp, "orders.log")
    process = processes.start("orders", [
        binary, "serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0",
        "--log-format", "json", "--fault", "missing-ok-check", "--fault", "stall",
        # a 1 ms timer on the request's loop per order mapped, so eventloop_lag_seconds has
        # observations (the missing-ok-check path validates stock off the loop)
        "--fault", "slow-inventory", "--slow-inventory-latency", "1",
    ], log_path)
    deadline = time.monotonic() + 30
    ports = {}
    while time.monotonic() < deadline and len(ports) < 2:
        if process.poll() is not None:
            fail(f"orders exited with {process.returncode} at start")
        for line in open(log_path, errors="replace"):
            if '"listening"' not in line and "listening" not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("listener") in ("public", "admin") and record.get("port"):
                ports[record["listener"]] = int(record["port"])
        time.sleep(0.05)
    if len(ports) < 2:
        fail(f"orders did not log both listening ports within 30 s (saw {ports})")
    return ports["public"], ports["admin"]


def start_prometheus(processes, tmp, admin_port):
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {json.dumps(RULES)}\n"
            "scrape_configs:\n  - job_name: orders\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{admin_port}']\n")
    for attempt in range(3):  # the free port can be taken between the probe and the bind
        port = free_port()
        process = processes.start(f"prometheus (attempt {attempt + 1})", [
            "prometheus", f"--config.file={config}",
            f"--storage.tsdb.path={os.path.join(tmp, f'data{attempt}')}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        ], os.path.join(tmp, f"prometheus{attempt}.log"))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if http_get(f"{base}/-/ready", timeout=1)[0] == 200:
                    return base
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        if process.poll() is None:
            fail("prometheus did not become ready within 30 s")
    fail("prometheus exited at start three times")


# ---- load ---------------------------------------------------------------------------------

def load(public_port, stop, counts):
    """Keep-alive HTTP/1.1 requests until `stop` is set, a few hundred a second at most:
    successes on every route, 404s, and a missing order id on /api/v1/order/map, which the
    missing-ok-check fault answers with a recovered 500 that leaks an orphan."""
    import http.client
    paths = ["/plaintext", "/json", "/api/v1/order/map?ids=1,2,3", "/api/v1/user/fetch?name=nobody",
             "/payload?size=64"]
    connection = None
    i = 0
    while not stop.is_set():
        i += 1
        path = paths[i % len(paths)] if i % 4 else f"/api/v1/order/map?ids=1,{900000 + i}"
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", public_port, timeout=REQUEST_TIMEOUT)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            counts[response.status // 100] = counts.get(response.status // 100, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            counts["error"] = counts.get("error", 0) + 1
            if connection is not None:
                connection.close()
            connection = None
            time.sleep(0.05)
        time.sleep(0.003)
    if connection is not None:
        connection.close()


def h2_load(public_port):
    """One bounded HTTP/2 burst (prior knowledge, 300 requests on 2 connections), so the
    h2 side of http_connections_active and the request metrics see HTTP/2 traffic too."""
    if shutil.which("h2load"):
        subprocess.run(["h2load", "-n", "300", "-c", "2", "-m", "2", f"http://127.0.0.1:{public_port}/json"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)


# ---- the check ----------------------------------------------------------------------------

def grafana_regex(values):
    """A multi-value variable's values as Grafana's Prometheus data source writes them into
    `=~"$var"`: regex metacharacters escaped (with the backslash doubled for the string), one
    value alone, several as (a|b)."""
    escaped = [re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\\\1", v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def substitute(expr, values):
    def repl(match):
        name = match.group(1) or match.group(2)
        if name not in values:
            fail(f"unknown variable ${name} in {expr!r}")
        return values[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", repl, expr)


def resolve_variables(dashboard, base):
    """The query variables' values, in dashboard order (later ones use earlier ones), from
    label_values(SELECTOR, LABEL) answered as Grafana answers it: the label's values among the
    series SELECTOR matches now. None for a variable with no values yet."""
    values = dict(BUILTINS)
    resolved = {}
    for variable in dashboard["templating"]["list"]:
        if variable.get("type") != "query":
            continue
        selector, label = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable_query(variable).strip()).groups()
        selector = substitute(selector, values)
        now = time.time()
        series = prom_api(base, "/api/v1/series", **{"match[]": selector, "start": now - 60, "end": now})
        found = sorted({s[label] for s in series if label in s})
        resolved[variable["name"]] = found
        if not found:
            return values, resolved, variable["name"]
        values[variable["name"]] = grafana_regex(found) if variable.get("multi") or variable.get("includeAll") else found[0]
    return values, resolved, None


def uses(expr, metric):
    return re.search(r"(?<![\w:])" + re.escape(metric) + r"(?![\w:])", expr) is not None


def values_of(result):
    kind, value = result["resultType"], result["result"]
    if kind == "vector":
        return [float(s["value"][1]) for s in value]
    if kind == "matrix":
        return [float(v[1]) for s in value for v in s["values"]]
    if kind == "scalar":
        return [float(value[1])]
    return []


def has_data(expr, result):
    """At least one finite value (a histogram_quantile over no observations is NaN, not data),
    and a value above zero where the faults must show."""
    finite = [v for v in values_of(result) if math.isfinite(v)]
    if not finite:
        return False
    return max(finite) > 0 if any(uses(expr, m) for m in NONZERO_METRICS) else True


def run(binary):
    dashboard = json.load(open(DASHBOARD))
    errors = check_shape(dashboard)
    for error in errors:
        print(f"check-dashboard: {error}", file=sys.stderr)
    if errors:
        fail(f"{len(errors)} shape problem(s) in {os.path.relpath(DASHBOARD, ROOT)}")
    exprs = expressions(dashboard)
    print(f"check-dashboard: shape ok (schemaVersion {dashboard['schemaVersion']}, "
          f"{len(list(all_panels(dashboard['panels'])))} panels, {len(exprs)} expressions)")

    processes = Processes()
    stop = threading.Event()
    workers = []
    ok = False
    with tempfile.TemporaryDirectory(prefix="check-dashboard.") as tmp:
        try:
            public_port, admin_port = start_orders(processes, binary, tmp)
            base = start_prometheus(processes, tmp, admin_port)
            print(f"check-dashboard: orders on {public_port} (admin {admin_port}), Prometheus at {base}")
            counts = {}
            deadline = time.monotonic() + LOAD_SECONDS
            workers = [threading.Thread(target=load, args=(public_port, stop, counts), daemon=True),
                       threading.Thread(target=h2_load, args=(public_port,), daemon=True)]
            for worker in workers:
                worker.start()
            # Every rule group of the file loaded.
            expected = set(re.findall(r"^  - name:\s*(\S+)", open(RULES).read(), re.M))
            groups = prom_api(base, "/api/v1/rules")["groups"]
            if not expected or {g["name"] for g in groups} != expected:
                fail(f"Prometheus loaded rule groups {[g['name'] for g in groups]}, not {sorted(expected)}")
            missing = {}
            started = time.monotonic()
            while True:
                values, resolved, unresolved = resolve_variables(dashboard, base)
                missing, report = {}, []
                # Every rule evaluated without error (health "unknown" until its first evaluation).
                for group in prom_api(base, "/api/v1/rules")["groups"]:
                    for rule in group["rules"]:
                        if rule.get("health") != "ok":
                            missing[f"rule {rule['name']}"] = f"health {rule.get('health')} {rule.get('lastError', '')}"
                if unresolved:
                    missing[f"variable ${unresolved}"] = "no values"
                else:
                    for where, expr in exprs:
                        query = substitute(expr, values)
                        result = prom_api(base, "/api/v1/query", query=query)
                        finite = [v for v in values_of(result) if math.isfinite(v)]
                        report.append(f"{describe(dashboard, where)}: {len(result['result'])} series, "
                                      f"max {max(finite) if finite else 'none'}")
                        if not has_data(expr, result):
                            missing[f"{describe(dashboard, where)}: {query}"] = result["result"]
                if not missing or time.monotonic() >= deadline:
                    break
                time.sleep(2)
            stop.set()
            print(f"check-dashboard: load answered {counts} in {time.monotonic() - started:.0f} s; "
                  f"variables {resolved}")
            if missing:
                for name, result in missing.items():
                    print(f"check-dashboard: NO DATA: {name} -> {result}", file=sys.stderr)
                fail(f"{len(missing)} expression(s), rule(s) or variable(s) without data within {LOAD_SECONDS} s")
            for line in report:
                print(f"check-dashboard:   {line}")
            print(f"check-dashboard: all {len(exprs)} expressions return data")
            ok = True
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=35)
            processes.stop_all()
            if not ok:
                processes.print_logs()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so the children are stopped.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        run(sys.argv[1])
    except CheckFailed as error:
        print(f"check-dashboard: FAILED: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("check-dashboard: interrupted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
