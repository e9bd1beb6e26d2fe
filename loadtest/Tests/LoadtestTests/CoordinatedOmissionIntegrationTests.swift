import Foundation
import Testing

/// The coordinated-omission correction, against the real server with the `stall` fault:
/// once a second one /plaintext request blocks the server's only event loop for 200 ms.
@Suite(.serialized)
struct CoordinatedOmissionIntegrationTests {
    static func latency(_ run: LoadtestRun) throws -> [String: Double] {
        try #require(run.report["latency_ms"] as? [String: Double], "\(run.output)")
    }

    @Test func openLoopChargesTheStallAndClosedLoopHidesIt() throws {
        let server = try OrdersServer(["--fault", "stall", "--disable-access-log"])
        let url = "http://127.0.0.1:\(server.port)/plaintext"

        // Open loop: 400 requests are due each second whatever the server does; the ~80 due
        // during a stall wait and are charged from their intended send time.
        let open = try runLoadtest([url, "--rate", "400", "--duration", "3s", "-c", "8", "--timeout", "3s"])
        #expect(open.status == 0, "\(open.output)")
        let openLatency = try Self.latency(open)
        #expect(openLatency["p99"]! >= 100, "open-loop p99 \(openLatency["p99"]!) ms should show the 200 ms stalls")
        // The stalled seconds show in the timeline too.
        let timeline = try #require(open.report["timeline"] as? [[String: Any]])
        let stalledSeconds = timeline.filter { (($0["latency_ms"] as? [String: Double])?["p99"] ?? 0) >= 100 }
        #expect(stalledSeconds.count >= 2, "\(timeline)")

        // Closed loop, same server, same stalls: each connection waits out a stall with one
        // request and sends nothing meanwhile, so only 2 slow samples per second are recorded
        // among thousands of fast ones.
        let closed = try runLoadtest([url, "--duration", "3s", "-c", "2", "--timeout", "3s"])
        #expect(closed.status == 0, "\(closed.output)")
        let closedLatency = try Self.latency(closed)
        #expect(closedLatency["max"]! >= 150, "the stall happened during the closed-loop run too: \(closedLatency)")
        #expect(closedLatency["p99"]! < 50, "closed-loop p99 \(closedLatency["p99"]!) ms hides the stalls")
    }
}
