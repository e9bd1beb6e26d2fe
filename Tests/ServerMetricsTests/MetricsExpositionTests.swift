import Server
import Foundation
@testable import ServerMetrics
import Prometheus
import Testing

@Suite("MetricsExposition")
struct MetricsExpositionTests {
    @Test("label values escape backslash, double quote and line feed", arguments: [
        ("plain", "plain"),
        (#"back\slash"#, #"back\\slash"#),
        (#"say "hi""#, #"say \"hi\""#),
        ("two\nlines", #"two\nlines"#),
        ("\\\"\n", #"\\\"\n"#),
        ("tab\tand ünïcødé", "tab\tand ünïcødé"),
        ("", ""),
    ])
    func labelEscaping(raw: String, escaped: String) {
        let rendered = RenderedMetrics(MetricsExposition(registry: PrometheusCollectorRegistry()).render(
            tasks: [(name: raw, state: "running", count: 1)], spawned: [(name: raw, count: 2)], connections: []
        ))
        #expect(rendered.value(#"tasks_active{name="\#(escaped)",state="running"}"#) == "1")
        #expect(rendered.value(#"tasks_spawned_total{name="\#(escaped)"}"#) == "2")
    }

    @Test("sample values", arguments: [
        (0.0, "0"), (3.0, "3"), (-2.0, "-2"), (0.25, "0.25"), (1e-05, "1e-05"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func sampleValues(value: Double, text: String) {
        #expect(PrometheusText.format(value) == text)
    }

    @Test("bucket bounds are exact decimal seconds", arguments: [
        (Int64(100_000), "0.0001"), (250_000, "0.00025"), (1_000_000_000, "1"), (2_500_000_000, "2.5"), (10_000_000_000, "10"),
    ])
    func bucketBounds(nanoseconds: Int64, text: String) {
        #expect(PrometheusText.seconds(nanoseconds: nanoseconds) == text)
    }

    @Test("the task, connection and process families are rendered, merged and sorted")
    func extraFamilies() {
        let rendered = RenderedMetrics(MetricsExposition(registry: PrometheusCollectorRegistry()).render(
            tasks: [(name: "request", state: "waiting", count: 2), (name: "connection", state: "running", count: 3),
                    (name: "request", state: "waiting", count: 1)],
            spawned: [(name: "request", count: 40), (name: "connection", count: 7)],
            connections: [(proto: "h2", count: 1), (proto: "h1", count: 5)]
        ))
        #expect(rendered.value(#"tasks_active{name="request",state="waiting"}"#) == "3")
        #expect(rendered.value(#"tasks_active{name="connection",state="running"}"#) == "3")
        #expect(rendered.value(#"tasks_spawned_total{name="request"}"#) == "40")
        #expect(rendered.value(#"http_connections_active{proto="h1"}"#) == "5")
        #expect(rendered.value(#"http_connections_active{proto="h2"}"#) == "1")
        let connections = rendered.lines.filter { $0.hasPrefix("http_connections_active{") }
        #expect(connections == [#"http_connections_active{proto="h1"} 5"#, #"http_connections_active{proto="h2"} 1"#])
        for family in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                       "process_open_fds", "process_max_fds", "process_start_time_seconds", "process_threads"] {
            #expect(rendered.families.contains(family), "\(family)")
            #expect(rendered.lines.contains { $0.hasPrefix("# HELP \(family) ") }, "\(family)")
        }
    }

    @Test("a family the registry already has is not rendered twice")
    func noDuplicateFamilies() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry)
        metrics.requestStarted()
        metrics.requestFinished(route: "/r", method: "GET", status: 200, duration: .milliseconds(1))
        // Someone else registers a family that the exposition also renders.
        registry.makeGauge(descriptor: MetricNameDescriptor(
            metricName: "process_threads", unitName: "", helpText: "Registered elsewhere."
        )).set(to: 42)
        let rendered = RenderedMetrics(MetricsExposition(registry: registry, httpMetrics: [metrics]).render(
            tasks: [(name: "t", state: "running", count: 1)], spawned: [(name: "t", count: 1)],
            connections: [(proto: "h1", count: 1)]
        ))
        #expect(rendered.families.count == Set(rendered.families).count, "\(rendered.families)")
        #expect(rendered.value("process_threads") == "42.0")
    }

    @Test("the content type is text format 0.0.4")
    func contentType() {
        #expect(MetricsExposition.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test("promtool check metrics finds nothing in a real exposition")
    func promtoolCheck() throws {
        guard let promtool = Self.findExecutable("promtool") else {
            Issue.record("""
                promtool is not installed, so the /metrics body cannot be linted. \
                Install Debian's `prometheus` package (apt-get install -y prometheus); CI installs it \
                through scripts/install-deps.sh.
                """)
            return
        }
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry, shardCount: 2)
        for (index, route) in ["/api/v1/order/map", "/api/v1/user/fetch", "unmatched"].enumerated() {
            metrics.requestStarted(shard: index)
            metrics.requestFinished(route: route, method: "GET", status: 200 + index * 100,
                                    duration: .microseconds(100 * (index + 1)), shard: index)
        }
        metrics.requestStarted()
        metrics.paramLookupFailed(route: "/api/v1/order/map", param: "id", reason: .missing)
        metrics.paramLookupFailed(route: "/api/v1/order/map", param: "qty", reason: .invalid)
        metrics.recoveredPanic(route: "/api/v1/user/fetch", errorType: "LookupError")
        let body = MetricsExposition(registry: registry, httpMetrics: [metrics]).render(
            tasks: [(name: "request", state: "running", count: 2), (name: "request", state: "waiting", count: 1),
                    (name: "odd \"name\"\\\n", state: "running", count: 1)],
            spawned: [(name: "request", count: 12), (name: "connection", count: 3)],
            connections: [(proto: "h1", count: 2), (proto: "h2", count: 0)]
        )
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).prom")
        try Data(body).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = promtool
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: file)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let findings = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool: \(findings)")
        #expect(findings.isEmpty, "promtool: \(findings)")
    }

    static func findExecutable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
