import Foundation
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import TaskRegistry
import Testing
@testable import Admin

/// `/debug/loops` and the `eventloop_*` metrics in process, over loop health the test
/// makes up: a loop stalled now by a request, one stall filed without its request, and a
/// quiet loop.
struct DebugLoopsTests {
    static let unixStart: Int64 = 1_796_000_000_123_000_000  // 2026-11-30T00:53:20.123Z

    static let report: LoopHealthReport = {
        var counts = [UInt64](repeating: 0, count: LoopHistogram.upperBoundsNanoseconds.count + 1)
        counts[0] = 90     // up to 10 µs
        counts[2] = 9      // 25 to 50 µs
        counts[13] = 1     // 100 to 250 ms
        let iterations = LoopHistogram(counts: counts, sumNanoseconds: 212_000_000)
        let current = LoopStall(loop: 0, startedAtUnixNanoseconds: unixStart, duration: .milliseconds(150), isOngoing: true,
                                request: StalledRequest(route: "/plaintext", requestID: #"odd"id"#))
        let filed = LoopStall(loop: 0, startedAtUnixNanoseconds: unixStart - 5_000_000_000, duration: .microseconds(212_500),
                              isOngoing: false, request: nil)
        return LoopHealthReport(stallThreshold: .milliseconds(100), loops: [
            EventLoopHealth(index: 0, iterations: iterations, lag: .empty, stallCount: 3, currentStall: current,
                            recentStalls: [filed]),
            EventLoopHealth(index: 1, iterations: .empty, lag: .empty),
        ])
    }()

    static func client() -> TestClient {
        let prometheus = PrometheusCollectorRegistry()
        var router = Router()
        DiagnosticsRoutes.register(on: &router, diagnostics: Diagnostics(
            registry: TaskRegistry(shardCount: 1) { 0 }, prometheus: prometheus, httpMetrics: [HTTPMetrics(registry: prometheus)],
            connections: { [] }, loops: { [0, 0] }, version: "test", loopHealth: { report }
        ))
        return TestClient(router)
    }

    @Test func listsEachLoopWithItsCurrentAndRecentStalls() async throws {
        let response = await Self.client().execute(.get, "/debug/loops")
        #expect(response.status == .ok)
        #expect(response.headers.first("Content-Type") == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(body["stall_threshold_ms"] as? Int == 100)
        let loops = try #require(body["loops"] as? [[String: Any]])
        #expect(loops.count == 2)

        let stalled = loops[0]
        #expect(stalled["index"] as? Int == 0)
        #expect(stalled["stalled"] as? Bool == true)
        #expect(stalled["stalled_for_ms"] as? Int == 150)
        #expect(stalled["stalls_total"] as? Int == 3)
        let current = try #require(stalled["current_stall"] as? [String: Any])
        #expect(current["started_at"] as? String == "2026-11-30T00:53:20.123Z")
        #expect(current["route"] as? String == "/plaintext")
        #expect(current["request_id"] as? String == #"odd"id"#)
        let recent = try #require(stalled["recent_stalls"] as? [[String: Any]])
        #expect(recent.count == 1)
        #expect(recent[0]["duration_ms"] as? Double == 212.5)
        #expect(recent[0]["started_at"] as? String == "2026-11-30T00:53:15.123Z")
        #expect(recent[0]["route"] is NSNull && recent[0]["request_id"] is NSNull)
        let iterations = try #require(stalled["iterations"] as? [String: Any])
        #expect(iterations["count"] as? Int == 100)
        #expect(iterations["sum_seconds"] as? Double == 0.212)
        #expect(iterations["mean_seconds"] as? Double == 0.00212)
        #expect(iterations["p50_seconds"] as? Double == 0.000005555)  // 50 of the 90 in 0 ... 10 µs, to the nanosecond
        #expect(iterations["p99_seconds"] as? Double == 0.00005)

        let quiet = loops[1]
        #expect(quiet["stalled"] as? Bool == false)
        #expect(quiet["stalled_for_ms"] as? Int == 0)
        #expect(quiet["current_stall"] is NSNull)
        #expect((quiet["recent_stalls"] as? [Any])?.isEmpty == true)
        let lag = try #require(quiet["lag"] as? [String: Any])
        #expect(lag["count"] as? Int == 0)
        #expect(lag["mean_seconds"] is NSNull && lag["p99_seconds"] is NSNull)
    }

    @Test func metricsCarryEachLoopsHistogramsAndStalls() async {
        let response = await Self.client().execute(.get, "/metrics")
        for line in [#"eventloop_iteration_seconds_bucket{loop="0",le="0.00001"} 90"#,
                     #"eventloop_iteration_seconds_bucket{loop="0",le="0.00005"} 99"#,
                     #"eventloop_iteration_seconds_bucket{loop="0",le="0.1"} 99"#,
                     #"eventloop_iteration_seconds_bucket{loop="0",le="0.25"} 100"#,
                     #"eventloop_iteration_seconds_bucket{loop="0",le="+Inf"} 100"#,
                     #"eventloop_iteration_seconds_sum{loop="0"} 0.212"#,
                     #"eventloop_iteration_seconds_count{loop="0"} 100"#,
                     #"eventloop_lag_seconds_count{loop="1"} 0"#,
                     "# TYPE eventloop_stalls_total counter",
                     #"eventloop_stalls_total{loop="0"} 3"#, #"eventloop_stalls_total{loop="1"} 0"#] {
            #expect(response.text.contains(line + "\n"), "\(line)")
        }
    }

    @Test func theIndexListsTheEndpointWithTheStalledLoops() async {
        let index = await Self.client().execute(.get, "/debug/")
        #expect(index.text.contains(#"<a href="/debug/loops">"#))
        #expect(index.text.contains("1 stalled"))
    }
}
