import Foundation
import Testing

/// Orphans against the real binary: a child still alive when its request ends is listed at
/// once, attributed to the request its client saw; the fixed path and detached work leave none.
@Suite(.serialized)
struct OrphanTests {
    static func get(_ server: ServerProcess, _ path: String, requestID: String? = nil) throws -> Curl.Result {
        let header = requestID.map { ["-H", "X-Request-Id: \($0)"] } ?? []
        return try Curl.run(header + ["http://127.0.0.1:\(server.port)\(path)"])
    }

    static func admin(_ server: ServerProcess, _ query: String) throws -> [String: Any] {
        let result = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?\(query)"])
        return try #require(Curl.json(result.body), "\(result.status): \(result.body)")
    }

    /// The `X-Request-Id` the client received.
    static func echoedID(_ result: Curl.Result) -> String? {
        for line in result.headers.split(separator: "\r\n") where line.lowercased().hasPrefix("x-request-id:") {
            return line.dropFirst("x-request-id:".count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    @Test func eachLeakingRequestLeavesExactlyOneOrphanNamedByItsRequestID() throws {
        let server = try ServerProcess(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let count = 12
        var received: [String] = []
        for index in 0..<count {
            // Only a missing id: its child is the one the incident leaks.
            let result = try Self.get(server, "/api/v1/order/map?ids=\(70_000 + index)", requestID: "map-missing-\(index)")
            #expect(result.status == 500)
            received.append(try #require(Self.echoedID(result)))
        }
        // No waiting: the request's children were marked before its response was written.
        let byRequest = try Self.admin(server, "view=orphans&group_by=request_id&format=json")
        #expect(byRequest["total"] as? Int == count)
        let groups = try #require(byRequest["groups"] as? [[String: Any]])
        #expect(Set(groups.compactMap { $0["request_id"] as? String }) == Set(received))
        #expect(received == (0..<count).map { "map-missing-\($0)" })
        for group in groups {
            #expect(group["count"] as? Int == 1)
            #expect(group["route"] as? String == "/api/v1/order/map")
            #expect(group["statuses"] as? [String: Int] == ["500": 1])
        }

        let bySite = try Self.admin(server, "view=orphans&format=json")
        let site = try #require((bySite["groups"] as? [[String: Any]])?.first)
        let sites = try #require(site["sites"] as? [[String: Any]])
        #expect(site["count"] as? Int == count)
        #expect(sites.count == 1)
        #expect((sites.first?["site"] as? String)?.hasPrefix(TaskLeakTests.validationSite) == true)
        #expect(sites.first?["function"] as? String == "startValidationChild(for:request:settings:)")

        let metrics = try MetricsScrape.fetch(adminPort: server.adminPort)
        #expect(metrics.sum("tasks_orphaned", ["name": "stock-validation"]) == Double(count))
        #expect(metrics.sum("tasks_orphans_total", ["name": "stock-validation"]) == Double(count))

        let text = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?view=orphans"]).body
        #expect(text.hasPrefix("task orphans: total \(count), grouped by site\n\(count) @ \(TaskLeakTests.validationSite)"))
    }

    @Test func theFixedPathLeavesNoOrphans() throws {
        // Found orders start validation children; missing ids and failing validations still
        // end every child before the request does.
        let server = try ServerProcess(["--stock-latency", "2", "--stock-failure-rate", "0.3"])
        let statuses = try TaskLeakTests.load(server, count: 400) { "\($0 % 40 + 1),\($0 % 3 == 0 ? "60000" : "7")" }
        #expect(statuses.contains(200) && statuses.contains { $0 >= 500 }, "both outcomes ran: \(Set(statuses))")
        let orphans = try Self.admin(server, "view=orphans&format=json")
        #expect(orphans["total"] as? Int == 0)
        let metrics = try MetricsScrape.fetch(adminPort: server.adminPort)
        #expect(metrics.sum("tasks_orphans_total", [:]) == 0, "not even for a moment")
    }

    @Test func detachedRefreshOutlivesItsRequestWithoutBeingAnOrphan() throws {
        // Entries live 2 s; a read in their last quarter starts a detached refresh that takes
        // 400 ms at the source, so it is still running when its request has answered.
        let server = try ServerProcess(["--inventory-latency", "400", "--inventory-cache-ttl", "2000"])
        #expect(try Self.get(server, "/api/v1/order/map?ids=1").status == 200)
        Thread.sleep(forTimeInterval: 1.65)
        #expect(try Self.get(server, "/api/v1/order/map?ids=1", requestID: "refresher").status == 200)

        let tasks = try #require(Self.admin(server, "debug=2&format=json&name=inventory-refresh")["tasks"] as? [[String: Any]])
        #expect(!tasks.isEmpty, "a refresh is running after its request answered")
        for task in tasks {
            #expect(task["detached"] as? Bool == true)
            #expect((task["labels"] as? [String: String])?["request_id"] == "refresher")
            #expect(task["orphaned_seconds"] is NSNull)
        }
        #expect(try Self.admin(server, "view=orphans&format=json")["total"] as? Int == 0)
    }

    @Test(arguments: ["view=orphans&group_by=name", "group_by=route", "view=leaks&group_by=site", "view=orphan"])
    func badOrphanQueriesAreRejected(query: String) throws {
        let server = try ServerProcess([])
        let result = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?\(query)"])
        #expect(result.status == 400)
        let error = try #require(Curl.json(result.body)?["error"] as? [String: Any])
        #expect(error["parameter"] as? String == (query == "view=orphan" ? "view" : "group_by"), "\(result.body)")
        #expect(error["code"] as? String == "invalid_parameter")
    }
}
