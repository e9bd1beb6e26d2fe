import Foundation
import LoadTest
import Synchronization
import Testing

/// `--trace` on the wire: a distinct valid traceparent on every request, the sampled flag
/// on about the asked fraction, and the slowest requests' trace ids among those sent.
@Suite(.serialized)
struct TraceIntegrationTests {
    /// (trace id, parent id, flags) of a valid traceparent value.
    static func parse(_ value: String?) -> (traceID: String, parentID: String, flags: String)? {
        guard let match = value?.wholeMatch(of: /00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])/) else { return nil }
        return (String(match.1), String(match.2), String(match.3))
    }

    static func slowest(_ report: [String: Any]) throws -> [[String: Any]] {
        try #require(report["slowest_traced"] as? [[String: Any]], "\(report.keys.sorted())")
    }

    /// HTTP/1.1, as the wire shows it: every request's own header, read back by a server
    /// that records request heads.
    @Test func everyRequestCarriesItsOwnTraceparent() throws {
        let server = try RecordingServer()
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/t", "--trace", "--trace-sampling", "0.3",
                                   "--requests", "4000", "-c", "4", "--threads", "2", "--pipeline", "2"])
        #expect(run.status == 0, "\(run.output)")
        let values = server.values(of: "traceparent")
        #expect(values.count == 4000)
        let parsed = values.compactMap(Self.parse)
        #expect(parsed.count == 4000, "every request has one valid traceparent")
        let traceIDs = parsed.map(\.traceID)
        #expect(Set(traceIDs).count == 4000, "a new trace id per request")
        #expect(!traceIDs.contains(String(repeating: "0", count: 32)))
        #expect(!parsed.contains { $0.parentID == String(repeating: "0", count: 16) })
        #expect(Set(traceIDs.map { $0.prefix(16) }).count == 2, "one prefix per loop")
        let sampled = parsed.filter { $0.flags == "01" }.count
        // 4000 draws at 0.3: a standard deviation of 29; five of them either way.
        #expect(abs(sampled - 1200) <= 145, "\(sampled) of 4000 sampled at 0.3")
        let trace = try #require(run.report["trace"] as? [String: Any])
        #expect(trace["sampled"] as? Int == sampled, "the report counts what was sent")
        #expect(trace["sent"] as? Int == 4000)
        let flags = Dictionary(parsed.map { ($0.traceID, $0.flags == "01") }, uniquingKeysWith: { a, _ in a })
        let slowest = try Self.slowest(run.report)
        #expect(slowest.count == 10)
        for request in slowest {
            let id = try #require(request["trace_id"] as? String)
            #expect(flags[id] == request["sampled"] as? Bool, "\(id) was sent, with that flag")
            #expect(request["status"] as? Int == 200)
        }
        let latencies = slowest.compactMap { $0["latency_ms"] as? Double }
        #expect(latencies == latencies.sorted(by: >), "slowest first")
        #expect(run.output.contains("trace    4000 traceparents sent, \(sampled) sampled"))
        // The incident report's slowest requests carry the same trace ids, slowest first.
        let incident = try #require(run.report["incident"] as? [String: Any])
        let incidentSlowest = try #require(incident["slowest_requests"] as? [[String: Any]])
        let incidentIDs = incidentSlowest.compactMap { $0["trace_id"] as? String }
        #expect(incidentIDs.count == incidentSlowest.count, "every one names its trace")
        #expect(Array(incidentIDs.prefix(10)) == slowest.compactMap { $0["trace_id"] as? String })
    }

    /// The real server, HTTP/1.1 and h2c: with traces on it continues the caller's trace
    /// (its access log names the trace id it received) and exports a span exactly for the
    /// requests sent with the sampled flag (its collector is down here, so every such span
    /// ends up counted as dropped or exported).
    @Test(arguments: [["--pipeline", "2"], ["--h2c", "--streams", "4"]])
    func theServerContinuesEachTraceAndSamplesAsFlagged(protocolArguments: [String]) throws {
        let server = try OrdersServer(["--otlp-endpoint", "http://127.0.0.1:\(closedPort())"])
        // /plaintext is left out of the access log; a user fetch is logged and makes one span.
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice", "--trace", "--trace-sampling", "0.5",
                                   "--requests", "600", "-c", "2"] + protocolArguments)
        #expect(run.status == 0, "\(run.output)")
        let sampled = try #require((run.report["trace"] as? [String: Any])?["sampled"] as? Int)
        #expect(abs(sampled - 300) <= 62, "\(sampled) of 600 at 0.5")

        // Every request's access-log line carries the trace id it was sent with.
        var logged: Set<String> = []
        let deadline = Date().addingTimeInterval(10)
        repeat {
            let log = server.output.text.withLock { $0 }
            logged = Set(log.split(separator: "\n").filter { $0.contains("route=/api/v1/user/fetch") }.compactMap { line in
                line.firstMatch(of: /trace_id=([0-9a-f]{32})/).map { String($0.1) }
            })
            if logged.count >= 600 { break }
            usleep(100_000)
        } while Date() < deadline
        #expect(logged.count == 600, "600 distinct trace ids in the access log")
        for request in try Self.slowest(run.report) {
            #expect(logged.contains(request["trace_id"] as? String ?? ""), "\(request)")
        }

        // One server span per sampled request, none for the others.
        var spans = -1
        let spanDeadline = Date().addingTimeInterval(20)
        repeat {
            let metrics = try server.metrics()
            spans = Int(metrics.sum("otel_spans_exported_total", where: { _ in true })
                + metrics.sum("otel_spans_dropped_total", where: { _ in true }))
            if spans >= sampled { break }
            usleep(250_000)
        } while Date() < spanDeadline
        #expect(spans == sampled, "the server sampled exactly the flagged requests")
    }

    /// (arguments, message): exit 64, nothing sent.
    @Test(arguments: [
        (["--trace", "--trace-sampling", "1.5"], "--trace-sampling must be within 0...1"),
        (["--trace", "--trace-sampling=-0.1"], "--trace-sampling must be within 0...1"),
        (["--trace-sampling", "0.5"], "--trace-sampling needs --trace"),
        (["--trace", "--scenario", "TRACEPARENT"], "remove the scenario's traceparent header"),
    ])
    func badTraceInputIsAUsageError(arguments: [String], message: String) throws {
        let server = try RecordingServer()
        let scenario = try temporaryFile(#"{"requests": [{"path": "/x", "headers": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}]}"#)
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/x", "--requests", "10"]
                                  + arguments.map { $0 == "TRACEPARENT" ? scenario : $0 })
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains(message), "\(run.output)")
        #expect(server.connections.withLock { $0 } == 0, "nothing was sent")
    }
}
