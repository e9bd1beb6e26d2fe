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
        #expect(spans.first { $0["trace_id"] as? String == trace && $0["kind"] as? Int == 2 }?["span_id"] as? String == spanID)
        let value = try #require(exemplar["value"] as? Double)
        #expect(value > 0 && value < 5)
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
