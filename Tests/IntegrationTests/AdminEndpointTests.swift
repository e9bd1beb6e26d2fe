import Foundation
import Testing

/// The admin listener: metrics, debug endpoints, fault switches; and that none of it is
/// reachable on the public port.
@Suite(.serialized)
struct AdminEndpointTests {
    static let server = Result { try ServerProcess() }

    @Test(arguments: ["/metrics", "/debug/tasks", "/debug/tasks?debug=2", "/debug/vars", "/debug/loops", "/debug/routes", "/debug/", "/debug/faults",
                      "/debug/dependencies"])
    func debugPathsAre404OnThePublicPort(path: String) throws {
        let server = try Self.server.get()
        let result = try Curl.run(["http://127.0.0.1:\(server.port)\(path)"])
        #expect(result.status == 404)
        let admin = try Curl.run(["http://127.0.0.1:\(server.adminPort)\(path)"])
        #expect(admin.status == 200)
    }

    /// The admin listener's thread runs under SCHED_IDLE, so a heavy render never delays a
    /// serving loop; the public loops keep the normal policy.
    @Test func adminThreadRunsInTheBackground() throws {
        let server = try Self.server.get()
        let taskDirectory = "/proc/\(server.process.processIdentifier)/task"
        var policies: [String: Int] = [:]
        for tid in try FileManager.default.contentsOfDirectory(atPath: taskDirectory) {
            let name = (try? String(contentsOfFile: "\(taskDirectory)/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard name.hasPrefix("admin-loop") || name.hasPrefix("public-loop") else { continue }
            // Field 41 of stat is the scheduling policy; the name field (2) has no spaces here.
            let stat = try String(contentsOfFile: "\(taskDirectory)/\(tid)/stat", encoding: .utf8)
            policies[name] = Int(stat.split(separator: " ")[40])
        }
        #expect(policies["admin-loop-0"] == 5, "SCHED_IDLE: \(policies)")
        #expect(policies.filter { $0.key.hasPrefix("public-loop") }.values.allSatisfy { $0 == 0 }, "SCHED_OTHER: \(policies)")
        #expect(policies.keys.contains { $0.hasPrefix("public-loop") })
    }

    @Test func histogramCountsKnownRequestsByRouteTemplate() throws {
        let server = try Self.server.get()
        let before = try MetricsScrape.fetch(adminPort: server.adminPort)
        let connection = try RawConnection(port: server.port)
        let statuses = try connection.pipeline(["/plaintext", "/plaintext", "/plaintext", "/no/such/a", "/no/such/b"])
        #expect(statuses == [200, 200, 200, 404, 404])
        let after = try MetricsScrape.fetch(adminPort: server.adminPort)
        let ok = ["route": "/plaintext", "method": "GET", "code": "200"]
        let missing = ["route": "unmatched", "method": "GET", "code": "404"]
        #expect((after.value("http_request_duration_seconds_count", ok) ?? 0) - (before.value("http_request_duration_seconds_count", ok) ?? 0) == 3)
        #expect((after.value("http_request_duration_seconds_count", missing) ?? 0) - (before.value("http_request_duration_seconds_count", missing) ?? 0) == 2)
        // Unmatched paths never become label values.
        #expect(!after.text.contains("/no/such"))
        // Buckets start below a millisecond and are cumulative: +Inf equals the count.
        #expect(after.text.contains(#"le="0.0001""#))
        #expect(after.value("http_request_duration_seconds_bucket", ok.merging(["le": "+Inf"]) { $1 }) == after.value("http_request_duration_seconds_count", ok))
        #expect(after.value("http_requests_in_flight") != nil)
        #expect((after.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((after.value("process_open_fds") ?? 0) >= 3)
        #expect(after.value("tasks_active") != nil || after.text.contains("tasks_active"))
    }

    @Test func scrapePassesPromtool() throws {
        let server = try Self.server.get()
        _ = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/order/map"])  // a param failure, too
        let scrape = try Curl.run(["-i", "http://127.0.0.1:\(server.adminPort)/metrics"])
        #expect(scrape.headers.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        let body = try Curl.run(["http://127.0.0.1:\(server.adminPort)/metrics"]).body
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scrape-\(UUID().uuidString).prom")
        try body.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let promtool = Process()
        promtool.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        promtool.arguments = ["check", "metrics"]
        promtool.standardInput = try FileHandle(forReadingFrom: file)
        let output = Pipe()
        promtool.standardOutput = output
        promtool.standardError = output
        try promtool.run()
        promtool.waitUntilExit()
        let findings = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(promtool.terminationStatus == 0, "promtool: \(findings)")
        #expect(findings.isEmpty, "promtool findings: \(findings)")
    }

    @Test func parameterFailuresAreCountedByRouteParamAndReason() throws {
        let server = try Self.server.get()
        let before = try MetricsScrape.fetch(adminPort: server.adminPort)
        let connection = try RawConnection(port: server.port)
        let statuses = try connection.pipeline(["/api/v1/order/map", "/api/v1/order/map?ids=x", "/api/v1/order/map?ids=0", "/api/v1/user/fetch"])
        #expect(statuses == [400, 400, 400, 400])
        let after = try MetricsScrape.fetch(adminPort: server.adminPort)
        func delta(_ labels: [String: String]) -> Double {
            after.sum("param_lookup_failures_total", labels) - before.sum("param_lookup_failures_total", labels)
        }
        #expect(delta(["route": "/api/v1/order/map", "param": "ids", "reason": "missing"]) == 1)
        #expect(delta(["route": "/api/v1/order/map", "param": "ids", "reason": "invalid"]) == 2)
        #expect(delta(["route": "/api/v1/user/fetch", "param": "name", "reason": "missing"]) == 1)
    }

    @Test func invalidParameterBodyNamesParameterTypeAndValue() throws {
        let server = try Self.server.get()
        let result = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/order/map?ids=3,x7"])
        #expect(result.status == 400)
        let error = try #require(Curl.json(result.body)?["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid_parameter")
        #expect(error["parameter"] as? String == "ids")
        #expect(error["expected"] as? String == "comma-separated list of positive integer")
        #expect(error["received"] as? String == "3,x7")
    }

    @Test func requestIDIsEchoedOrMade() throws {
        let server = try Self.server.get()
        let given = try Curl.run(["-H", "X-Request-Id: trace-42.a:b", "http://127.0.0.1:\(server.port)/plaintext"])
        #expect(given.headers.contains("X-Request-Id: trace-42.a:b"))
        let bad = try Curl.run(["-H", "X-Request-Id: has spaces<script>", "http://127.0.0.1:\(server.port)/plaintext"])
        let made = bad.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-request-id:") }
        #expect(made != nil)
        #expect(made?.contains("script") == false)
    }

    @Test func debugVarsAndIndex() throws {
        let server = try Self.server.get()
        let vars = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/vars"]).body))
        for key in ["version", "uptime_seconds", "tasks", "threads", "loops", "connections", "resident_memory_bytes", "open_fds"] {
            #expect(vars[key] != nil, "missing \(key)")
        }
        let index = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/"])
        #expect(index.headers.lowercased().contains("content-type: text/html"))
        for link in ["/debug/tasks?debug=1", "/debug/tasks?debug=2", "/debug/vars", "/metrics", "/debug/faults", "/debug/dependencies"] {
            #expect(index.body.contains("href=\"\(link)\""))
        }
    }

    @Test func faultsAreListedAndChangedByPostOnly() throws {
        let server = try Self.server.get()
        let url = "http://127.0.0.1:\(server.adminPort)/debug/faults"
        let list = try Curl.run([url])
        #expect(list.body.contains(#""name":"missing-ok-check","enabled":false"#))
        #expect(list.body.contains(#""name":"stall","enabled":false,"summary":"once a second, one /plaintext request blocks"#))
        let sneaky = try Curl.run([url + "?name=missing-ok-check&enabled=true"])
        #expect(sneaky.status == 405)
        let on = try Curl.run(["-X", "POST", "-H", "Content-Type: application/json", "-d", #"{"slow-inventory":true}"#, url])
        #expect(on.status == 200)
        #expect(on.body.contains(#""name":"slow-inventory","enabled":true"#))
        let off = try Curl.run(["-X", "POST", url + "?name=slow-inventory&enabled=false"])
        #expect(off.body.contains(#""name":"slow-inventory","enabled":false"#))
        let unknown = try Curl.run(["-X", "POST", "-d", #"{"no-such-fault":true}"#, url])
        #expect(unknown.status == 400)
        #expect(unknown.body.contains("unknown_fault"))
    }
}
