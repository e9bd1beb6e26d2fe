import Foundation
import Testing

/// `/metrics` as OpenMetrics 1.0 for a scraper that asks for it, with the latest sampled
/// request of each duration bucket as its exemplar, read by prometheus_client's strict
/// parser (PyPI, in .venv-test); and the 0.0.4 text, unchanged, for everyone else.
@Suite(.serialized)
struct OpenMetricsTests {
    static let accept = "Accept: application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// Runs scripts/parse-openmetrics.py on `body`: its status and its JSON lines.
    static func parse(_ body: String) throws -> (status: Int32, lines: [[String: Any]], output: String) {
        let process = Process()
        process.executableURL = OTLPReceiver.root.appendingPathComponent(".venv-test/bin/python")
        process.arguments = [OTLPReceiver.root.appendingPathComponent("scripts/parse-openmetrics.py").path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(body.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return (process.terminationStatus, text.split(separator: "\n").compactMap { Curl.json(String($0)) }, text)
    }

    @Test func aTracedRequestIsItsBucketsExemplar() throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)"])
        let trace = "4bf92f3577b34da6a3ce929d0e0e4777"
        let response = try Curl.run(["-H", "traceparent: 00-\(trace)-00f067aa0ba902b7-01",
                                     "http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
        #expect(response.status == 200)
        let metrics = try Curl.run(["-H", Self.accept, "http://127.0.0.1:\(server.adminPort)/metrics"])
        #expect(metrics.status == 200)
        #expect(metrics.headers.lowercased().contains("content-type: application/openmetrics-text; version=1.0.0; charset=utf-8"))
        #expect(metrics.body.hasSuffix("# EOF\n"))
        #expect(metrics.body.contains("# TYPE otel_spans_exported counter"), "a counter's family is named without _total")
        let parsed = try Self.parse(metrics.body)
        #expect(parsed.status == 0, "\(parsed.output)")
        let exemplar = try #require(parsed.lines.first {
            ($0["exemplar"] as? [String: String])?["trace_id"] == trace
        }, "no exemplar for the trace:\n\(parsed.output)")
        #expect(exemplar["family"] as? String == "http_request_duration_seconds")
        #expect((exemplar["labels"] as? [String: String])?["route"] == "/api/v1/user/fetch")
        let spanID = (exemplar["exemplar"] as? [String: String])?["span_id"]
        // The exemplar is the request's server span, as exported.
        let spans = receiver.waitForSpans { $0.contains { $0["trace_id"] as? String == trace && $0["kind"] as? Int == 2 } }
        let span = spans.first { $0["trace_id"] as? String == trace && $0["kind"] as? Int == 2 }
        #expect(span?["span_id"] as? String == spanID)
        let value = try #require(exemplar["value"] as? Double)
        #expect(value > 0 && value < 5)
        // The span lasts exactly the duration the exemplar records (to within the clock
        // offset's refresh): both come from the same two readings of the server's clock.
        let start = try #require(span?["start"] as? Int), end = try #require(span?["end"] as? Int)
        #expect(abs(Double(end - start) / 1e9 - value) < 2e-6, "span \(end - start) ns, exemplar \(value) s")
        #expect(abs((exemplar["timestamp"] as? Double ?? 0) - Date().timeIntervalSince1970) < 60)
    }

    @Test func otherScrapersGetTheTextFormatWithoutExemplars() throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)"])
        _ = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
        let metrics = try Curl.run(["http://127.0.0.1:\(server.adminPort)/metrics"])
        #expect(metrics.headers.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(!metrics.body.contains(" # {"))
        #expect(!metrics.body.contains("# EOF"))
        #expect(metrics.body.contains("# TYPE otel_spans_exported_total counter"))
    }

    @Test func withTracesOffTheOpenMetricsBodyIsValidAndHasNoExemplars() throws {
        let server = try ServerProcess()
        _ = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
        let metrics = try Curl.run(["-H", Self.accept, "http://127.0.0.1:\(server.adminPort)/metrics"])
        let parsed = try Self.parse(metrics.body)
        #expect(parsed.status == 0, "\(parsed.output)")
        #expect(parsed.lines.allSatisfy { $0["exemplar"] == nil })
    }
}

/// End to end with a real Prometheus (Debian's, started here with exemplar storage on,
/// its data in a temporary directory): it scrapes the admin listener as OpenMetrics, and
/// one request's trace id comes back from its exemplar query API, as an SRE would find the
/// trace behind a slow bucket.
@Suite(.serialized)
struct PrometheusExemplarTests {
    @Test func prometheusStoresTheExemplarAndFindsTheTrace() throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orders-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: orders
                static_configs:
                  - targets: ["127.0.0.1:\(server.adminPort)"]
            """
        try config.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = OTLPExportTests.closedPort()
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        prometheus.arguments = ["--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/data",
                                "--web.listen-address=127.0.0.1:\(port)", "--enable-feature=exemplar-storage"]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        defer { prometheus.terminate(); prometheus.waitUntilExit() }

        let trace = "4bf92f3577b34da6a3ce929d0e0e4788"
        let started = Date().timeIntervalSince1970 - 5
        let deadline = Date().addingTimeInterval(30)
        var found: [String] = []
        while found.isEmpty && Date() < deadline {
            // A request per round, so that the latest exemplar is always this trace's.
            _ = try Curl.run(["-H", "traceparent: 00-\(trace)-00f067aa0ba902b7-01",
                              "http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
            usleep(500_000)
            let end = Date().timeIntervalSince1970 + 5
            let answer = try Curl.run(["-G", "http://127.0.0.1:\(port)/api/v1/query_exemplars",
                                       "--data-urlencode", "query=http_request_duration_seconds_bucket",
                                       "--data-urlencode", "start=\(started)", "--data-urlencode", "end=\(end)"])
            guard answer.status == 200, let json = Curl.json(answer.body), let data = json["data"] as? [[String: Any]] else { continue }
            found = data.flatMap { ($0["exemplars"] as? [[String: Any]]) ?? [] }
                .compactMap { ($0["labels"] as? [String: String])?["trace_id"] }
        }
        #expect(found.contains(trace), "exemplars found: \(found)")
    }
}
