#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector for the tests: decodes each POST /v1/traces body with the
real opentelemetry-proto messages (PyPI) and prints one JSON line per span on stdout.

    otlp-receiver.py --port 0              # prints "listening PORT" first
    otlp-receiver.py --port 0 --status 503 # answers every export with 503 (decodes nothing)
    otlp-receiver.py --port 0 --stall      # accepts connections and never reads them
    otlp-receiver.py --port 0 --close-silently  # closes each connection after its answer,
                                           # without saying so (a collector that drops
                                           # idle connections)
    otlp-receiver.py --port 4318 --count   # decodes every body, prints only a span count
                                           # every second (for benchmarks: printing each
                                           # span would take the load generator's CPU)

Each connection accepted is reported as {"connections": N} (not with --count). Loopback only. Runs until killed, or until its standard input closes (the tests keep a pipe
open to it, so no receiver outlives the process that started it).
"""
import argparse, http.server, json, os, socket, sys, threading, time

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest, ExportTraceServiceResponse)


def value_of(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def spans_of(request):
    for resource_spans in request.resource_spans:
        resource = {kv.key: value_of(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "service": resource.get("service.name"),
                    "scope": scope_spans.scope.name,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "trace_state": span.trace_state,
                    "flags": span.flags,
                    "name": span.name,
                    "kind": span.kind,
                    "start": span.start_time_unix_nano,
                    "end": span.end_time_unix_nano,
                    "attributes": {kv.key: value_of(kv.value) for kv in span.attributes},
                    "status": span.status.code,
                    "events": [event.name for event in span.events],
                }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--stall", action="store_true")
    parser.add_argument("--count", action="store_true")
    parser.add_argument("--close-silently", action="store_true")
    args = parser.parse_args()
    lock = threading.Lock()

    def exit_at_end_of_input():
        sys.stdin.buffer.read()
        os._exit(0)

    if not sys.stdin.isatty():
        threading.Thread(target=exit_at_end_of_input, daemon=True).start()

    def emit(line):
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    if args.stall:
        listener = socket.socket()
        listener.bind(("127.0.0.1", args.port))
        listener.listen(1024)
        emit("listening %d" % listener.getsockname()[1])
        held = []
        while True:
            connection, _ = listener.accept()
            held.append(connection)  # never read, never answered

    accepted = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            if not args.count:
                with lock:
                    accepted[0] += 1
                    total = accepted[0]
                emit(json.dumps({"connections": total}))

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if args.status != 200:
                self.send_response(args.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
                emit(json.dumps({"error": "bad request", "path": self.path, "type": self.headers.get("Content-Type")}))
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            if args.count:
                with lock:
                    counted[0] += sum(len(scope.spans) for resource in request.resource_spans
                                      for scope in resource.scope_spans)
            else:
                for span in spans_of(request):
                    emit(json.dumps(span))
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            if args.close_silently:
                self.close_connection = True

        def log_message(self, *args):
            pass

    counted = [0]

    def report_counts():
        last = 0
        while True:
            time.sleep(1)
            with lock:
                total = counted[0]
            if total != last:
                emit(json.dumps({"spans": total}))
                last = total

    if args.count:
        threading.Thread(target=report_counts, daemon=True).start()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    emit("listening %d" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
