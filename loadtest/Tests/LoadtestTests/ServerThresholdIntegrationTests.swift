import Foundation
import LoadTest
import Testing

/// `--abort-on-leak`, `--max-server-p99` and `--max-server-5xx-rate` with the built
/// `loadtest` against the built `orders`.
@Suite(.serialized)
struct ServerThresholdIntegrationTests {
    static func admin(_ server: OrdersServer) -> String { "http://127.0.0.1:\(server.adminPort)" }

    static func breach(_ run: LoadtestRun) throws -> [String: Any] {
        let thresholds = try #require(run.report["server_thresholds"] as? [String: Any], "\(run.output)")
        #expect(thresholds["passed"] as? Bool == false)
        return try #require(thresholds["breach"] as? [String: Any], "\(run.output)")
    }

    /// The leaking fault: the first sample of the load sees new orphans, and sending stops
    /// within 2 s of that sample, long before the 30 s asked for.
    @Test func abortOnLeakStopsWithinTwoSecondsOfTheFirstSignal() throws {
        let server = try OrdersServer(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scenarios/order-map.json").standardizedFileURL.path
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--duration", "30s",
                                   "-c", "8", "--rate", "300", "--watch", Self.admin(server), "--settle", "1s",
                                   "--abort-on-leak"])
        #expect(run.status == 4, "\(run.output)")
        let breach = try Self.breach(run)
        #expect(breach["kind"] as? String == "leak")
        #expect((breach["observed"] as? Double ?? 0) > 0)
        let thresholds = try #require(run.report["server_thresholds"] as? [String: Any])
        let stoppedAfter = try #require(thresholds["stopped_after_seconds"] as? Double)
        let sampled = try #require(breach["sample_seconds"] as? Double), seen = try #require(breach["seen_seconds"] as? Double)
        #expect(stoppedAfter < 2, "sending stopped \(stoppedAfter) s after the sample that saw the leak (its reads took \(seen - sampled) s)")
        // The watcher's first sample of the load saw it: the run lasted a second or two.
        let elapsed = try #require(run.report["elapsed_seconds"] as? Double)
        #expect(elapsed < 5, "elapsed \(elapsed) s of 30")
        #expect(run.output.contains("STOPPED EARLY (exit 4): --abort-on-leak:"))
        // The watcher still settled and judged.
        let watch = try #require(run.report["watch"] as? [String: Any])
        let rows = try #require(watch["rows"] as? [[String: Any]])
        #expect(rows.contains { $0["phase"] as? String == "settle" })
        let verdict = try #require(watch["verdict"] as? [String: Any])
        #expect((verdict["summary"] as? String)?.hasPrefix("leak:") == true)
    }

    @Test func abortOnLeakCombinesWithFailOnLeak() throws {
        let server = try OrdersServer(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let scenario = try temporaryFile("""
            {"variables": {"id": {"min": 1, "max": 100, "missing_fraction": 0.5, "missing_min": 90000}},
             "requests": [{"name": "map", "path": "/api/v1/order/map?ids={id},{id}"}]}
            """)
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--duration", "20s", "-c", "2",
                                   "--watch", Self.admin(server), "--settle", "1s", "--abort-on-leak", "--fail-on-leak"])
        #expect(run.status == 6, "4 (stopped) | 2 (leak): \(run.output)")
    }

    /// The slow-inventory fault puts 80 ms into every map read: its p99 crosses 20 ms, and
    /// not 5 s; /plaintext stays fast.
    @Test func serverP99CrossesAndPasses() throws {
        let server = try OrdersServer(["--fault", "slow-inventory", "--slow-inventory-latency", "80"])
        let url = "http://127.0.0.1:\(server.port)/api/v1/order/map?ids=1,2"
        let crossed = try runLoadtest([url, "--duration", "20s", "-c", "4", "--watch", Self.admin(server), "--settle", "1s",
                                       "--max-server-p99", "/api/v1/order/map=20ms", "--max-server-p99", "/plaintext=5s"])
        #expect(crossed.status == 4, "\(crossed.output)")
        let breach = try Self.breach(crossed)
        #expect(breach["kind"] as? String == "server_p99")
        #expect(breach["route"] as? String == "/api/v1/order/map")
        #expect((breach["observed"] as? Double ?? 0) > 20)
        #expect((crossed.report["elapsed_seconds"] as? Double ?? 99) < 6, "stopped early")
        #expect(crossed.output.contains("STOPPED EARLY (exit 4): --max-server-p99: the server's p99 on /api/v1/order/map was"))

        let passed = try runLoadtest([url, "--duration", "2s", "-c", "4", "--watch", Self.admin(server), "--settle", "1s",
                                      "--max-server-p99", "/api/v1/order/map=5s"])
        #expect(passed.status == 0, "\(passed.output)")
        let thresholds = try #require(passed.report["server_thresholds"] as? [String: Any])
        #expect(thresholds["passed"] as? Bool == true && thresholds["breach"] == nil)
    }

    /// Missing orders fail with 500 under the missing-ok-check fault: half the requests.
    @Test func server5xxRateCrossesAndPasses() throws {
        let server = try OrdersServer(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let scenario = try temporaryFile("""
            {"variables": {"id": {"min": 1, "max": 100, "missing_fraction": 0.5, "missing_min": 90000}},
             "requests": [{"name": "map", "path": "/api/v1/order/map?ids={id}"}]}
            """)
        let crossed = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--duration", "20s",
                                       "-c", "2", "--rate", "200", "--watch", Self.admin(server), "--settle", "1s",
                                       "--max-server-5xx-rate", "0.1"])
        #expect(crossed.status == 4, "\(crossed.output)")
        let breach = try Self.breach(crossed)
        #expect(breach["kind"] as? String == "server_5xx_rate")
        #expect((breach["observed"] as? Double ?? 0) > 0.1)
        #expect((crossed.report["elapsed_seconds"] as? Double ?? 99) < 6, "stopped early")

        let passed = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--duration", "2s", "-c", "2",
                                      "--rate", "200", "--watch", Self.admin(server), "--settle", "1s",
                                      "--max-server-5xx-rate", "0"])
        #expect(passed.status == 0, "\(passed.output)")
    }

    /// Usage errors exit 64 and send nothing: the server counts no request.
    @Test(arguments: [
        (["--max-server-p99", "/nope=5ms"], "the server does not serve /nope"),
        (["--max-server-p99", "/api/v1/order/map"], "expected ROUTE=DURATION"),
        (["--max-server-p99", "/api/v1/order/map=soon"], "not a positive duration"),
        (["--max-server-5xx-rate", "2"], "within 0...1"),
        (["--max-server-5xx-rate", "lots"], "within 0...1"),
    ])
    func badInputExits64AndSendsNothing(arguments: [String], message: String) throws {
        let server = try OrdersServer()
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--duration", "2s", "-c", "1",
                                   "--watch", Self.admin(server)] + arguments)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains(message), "\(run.output)")
        let served = try server.metrics().sum("http_request_duration_seconds_count")
        #expect(served == 0, "nothing was sent")
    }

    @Test(arguments: [["--abort-on-leak"], ["--max-server-5xx-rate", "0.5"], ["--max-server-p99", "/plaintext=5ms"]])
    func serverLimitsNeedWatch(arguments: [String]) throws {
        let run = try runLoadtest(["http://127.0.0.1:9/plaintext", "--requests", "1"] + arguments)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains("need --watch"))
    }
}
