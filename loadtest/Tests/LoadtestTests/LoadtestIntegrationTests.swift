import Foundation
import LoadTest
import Testing

/// The built `loadtest` against the built `orders`, both as real processes.
@Suite(.serialized)
struct LoadtestIntegrationTests {
    static let scenario = """
        {
          "seed": 3,
          "variables": {"order_id": {"min": 1, "max": 500, "missing_fraction": 0.2, "missing_min": 50000, "missing_max": 59999}},
          "requests": [
            {"name": "plaintext", "weight": 2, "path": "/plaintext"},
            {"name": "map", "weight": 2, "path": "/api/v1/order/map?ids={order_id},{order_id}"},
            {"name": "user", "weight": 1, "path": "/api/v1/user/fetch?name=nobody"},
            {"name": "head", "weight": 1, "method": "HEAD", "path": "/json"}
          ]
        }
        """

    static func count(_ metrics: PrometheusText, where filter: @escaping ([String: String]) -> Bool = { _ in true }) -> Int {
        Int(metrics.sum("http_request_duration_seconds_count", where: filter))
    }

    @Test func countsInTheJSONMatchTheServersCounters() throws {
        let server = try OrdersServer(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let scenario = try temporaryFile(Self.scenario)
        let before = try server.metrics()
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "3000",
                                   "-c", "4", "--threads", "2", "--pipeline", "8"])
        #expect(run.status == 0, "\(run.output)")
        let after = try server.metrics()

        let requests = try #require(run.report["requests"] as? [String: Any])
        #expect(requests["sent"] as? Int == 3000)
        #expect(requests["responses"] as? Int == 3000)
        #expect(requests["failed"] as? Int == 0)
        #expect(Self.count(after) - Self.count(before) == 3000, "the server counted every request once")

        let statuses = try #require(run.report["status_counts"] as? [String: Int])
        for code in Set(statuses.keys).union(["200", "404", "500"]) {
            let served = Self.count(after) { $0["code"] == code } - Self.count(before) { $0["code"] == code }
            #expect(statuses[code, default: 0] == served, "status \(code)")
        }
        #expect(statuses["500", default: 0] > 0, "missing ids leak and fail with the fault on")

        let entries = try #require(run.report["by_request"] as? [[String: Any]])
        let routes = ["plaintext": "/plaintext", "map": "/api/v1/order/map", "user": "/api/v1/user/fetch", "head": "/json"]
        for entry in entries {
            let name = try #require(entry["name"] as? String)
            let route = try #require(routes[name])
            let served = Self.count(after) { $0["route"] == route } - Self.count(before) { $0["route"] == route }
            #expect(entry["responses"] as? Int == served, "\(name)")
        }
        let latency = try #require(run.report["latency_ms"] as? [String: Double])
        #expect(latency["p50"]! > 0 && latency["p50"]! <= latency["p99"]! && latency["p99"]! <= latency["max"]!)
    }

    @Test func openLoopHoldsTheRequestedRate() throws {
        let server = try OrdersServer()
        let before = try server.metrics()
        let rate = 400.0, seconds = 3.0
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--rate", "\(Int(rate))/s",
                                   "--duration", "\(Int(seconds))s", "-c", "4", "--threads", "2"])
        #expect(run.status == 0, "\(run.output)")
        let after = try server.metrics()
        let served = Double(Self.count(after) - Self.count(before))
        let throughput = try #require(run.report["throughput_rps"] as? Double)
        #expect(abs(throughput - rate) / rate < 0.02, "client: \(throughput)/s")
        #expect(abs(served / seconds - rate) / rate < 0.02, "server: \(served / seconds)/s")
        let config = try #require(run.report["config"] as? [String: Any])
        #expect(config["mode"] as? String == "open")
    }

    @Test func watcherNamesTheLeakAndFailsTheRun() throws {
        let server = try OrdersServer(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let scenario = try temporaryFile("""
            {"variables": {"id": {"min": 1, "max": 100, "missing_fraction": 0.5, "missing_min": 90000}},
             "requests": [{"name": "map-missing", "path": "/api/v1/order/map?ids={id},{id}",
                           "headers": {"X-Request-Id": "map-missing-{n}"}},
                          {"name": "healthy", "path": "/api/v1/order/map?ids=1", "headers": {"X-Request-Id": "ok-{n}"}}]}
            """)
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--duration", "2s",
                                   "-c", "2", "--watch", "http://127.0.0.1:\(server.adminPort)", "--settle", "2s",
                                   "--fail-on-leak"])
        #expect(run.status == 2, "\(run.output)")
        let watch = try #require(run.report["watch"] as? [String: Any])
        let verdict = try #require(watch["verdict"] as? [String: Any])
        let leaks = try #require(verdict["leaks"] as? [[String: Any]])
        let group = try #require(leaks.first?["group"] as? [String: String])
        #expect(group["name"] == "stock-validation")
        #expect(group["site"]?.hasPrefix("OrderService/OrderService+ValidationChildren.swift:") == true)
        #expect((leaks.first?["growth_per_second"] as? Double ?? 0) > 0)
        let rows = try #require(watch["rows"] as? [[String: Any]])
        #expect(rows.count >= 4, "baseline, load and settle rows")
        // The server lists orphans, so they are the verdict: exact, named by site and route.
        let orphans = try #require(verdict["orphans"] as? [[String: Any]])
        #expect(orphans.count == 1)
        #expect((orphans.first?["site"] as? String)?.hasPrefix("OrderService/OrderService+ValidationChildren.swift:") == true)
        #expect(orphans.first?["route"] as? String == "/api/v1/order/map")
        #expect((orphans.first?["count"] as? Int ?? 0) > 0)
        #expect(run.output.contains("(tasks alive after their request ended) at OrderService/OrderService+ValidationChildren.swift:"))
        #expect(run.output.contains("(stock-validation), all from route /api/v1/order/map; from scenario entries: map-missing ("))
        let entries = try #require(verdict["orphan_entries"] as? [String: Int])
        #expect(Array(entries.keys) == ["map-missing"], "only the entry whose requests leaked")
        #expect(entries["map-missing"] == orphans.first?["count"] as? Int)
    }

    @Test func thresholdsAndRefusalsSetTheExitStatus() throws {
        let server = try OrdersServer()
        let strict = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--requests", "200", "-c", "2",
                                      "--max-p99", "1ns"])
        #expect(strict.status == 1, "\(strict.output)")
        #expect(strict.output.contains("THRESHOLD CROSSED: p99"))
        let thresholds = try #require(strict.report["thresholds"] as? [String: Any])
        #expect(thresholds["passed"] as? Bool == false)

        let lenient = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--requests", "200", "-c", "2",
                                       "--max-p99", "10s", "--max-error-rate", "0"])
        #expect(lenient.status == 0, "\(lenient.output)")

        let remote = try runLoadtest(["http://192.0.2.1:80/", "--requests", "1"])
        #expect(remote.status == 64)
        #expect(remote.output.contains("not a loopback address"))
    }
}
