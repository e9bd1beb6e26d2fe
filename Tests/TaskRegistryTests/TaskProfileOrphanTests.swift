import Foundation
import Testing
@testable import TaskRegistry

/// `view=orphans` as a reader sees it: grouped by site (default), route or request id.
@Suite("TaskProfile orphans view")
struct TaskProfileOrphanTests {
    let registry = TaskRegistry(shardCount: 1, currentShard: { 0 })
    let validatorSite = TaskSite(fileID: "OrderService/Validation.swift", line: 62, function: "startValidationChild()")
    let refreshSite = TaskSite(fileID: "OrderService/Refresh.swift", line: 9, function: "refresh()")

    /// Three map requests leak one validator each (500), a user request leaks one refresh
    /// child (503), and a healthy request's child ended in time.
    func leak() {
        for index in 1...3 {
            let request = registry.registerRequest(route: "/api/v1/order/map", requestID: "map-\(index)", streamID: 0,
                                                   site: TaskSite())
            _ = registry.register(name: "stock-validation", parent: request, labels: ["order_id": "\(index)"],
                                  site: validatorSite, detached: false)
            registry.end(request, status: 500)
        }
        let user = registry.registerRequest(route: "/api/v1/user/fetch", requestID: "user-1", streamID: 0, site: TaskSite(),
                                            traceID: TaskTraceID(high: 0xab, low: 0xcd))
        _ = registry.register(name: "fetch", parent: user, labels: [:], site: refreshSite, detached: false)
        registry.end(user, status: 503)
        let healthy = registry.registerRequest(route: "/api/v1/order/map", requestID: "ok", streamID: 0, site: TaskSite())
        registry.register(name: "stock-validation", parent: healthy, labels: [:], site: validatorSite, detached: false).end()
        registry.end(healthy, status: 200)
    }

    func json(_ items: [(String, String)]) throws -> [String: Any] {
        let query = try TaskProfileQuery(queryItems: ([("view", "orphans"), ("format", "json")] + items).map { ($0.0, $0.1) })
        let body = TaskProfile.render(query, snapshot: registry.snapshot()).body
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    func groups(_ object: [String: Any]) throws -> [[String: Any]] {
        try #require(object["groups"] as? [[String: Any]])
    }

    @Test func groupsBySiteNameAndRoute() throws {
        leak()
        let object = try json([])
        #expect(object["total"] as? Int == 4)
        #expect(object["group_by"] as? String == "site")
        let groups = try groups(object)
        #expect(groups.map { $0["count"] as? Int } == [3, 1])
        #expect(groups.map { $0["route"] as? String } == ["/api/v1/order/map", "/api/v1/user/fetch"])
        #expect(groups[0]["requests"] as? Int == 3)
        #expect(groups[0]["statuses"] as? [String: Int] == ["500": 3])
        #expect(groups[0]["states"] as? [String: Int] == ["running": 3])
        let sites = try #require(groups[0]["sites"] as? [[String: Any]])
        #expect(sites.map { $0["site"] as? String } == ["OrderService/Validation.swift:62"])
        #expect(sites.map { $0["name"] as? String } == ["stock-validation"])
    }

    @Test func groupsByRequest() throws {
        leak()
        let groups = try groups(json([("group_by", "request_id")]))
        #expect(Set(groups.compactMap { $0["request_id"] as? String }) == ["map-1", "map-2", "map-3", "user-1"])
        let user = try #require(groups.first { $0["request_id"] as? String == "user-1" })
        #expect(user["trace_id"] as? String == "00000000000000ab00000000000000cd")
        #expect(user["statuses"] as? [String: Int] == ["503": 1])
    }

    @Test func groupsByRoute() throws {
        leak()
        let groups = try groups(json([("group_by", "route")]))
        #expect(groups.map { $0["route"] as? String } == ["/api/v1/order/map", "/api/v1/user/fetch"])
        #expect(groups.map { $0["count"] as? Int } == [3, 1])
        #expect(groups.allSatisfy { $0["request_id"] is NSNull })
    }

    @Test func textNamesTheSiteTheRouteAndTheStatus() throws {
        leak()
        let text = String(decoding: TaskProfile.render(try TaskProfileQuery(queryItems: [("view", "orphans")]),
                                                       snapshot: registry.snapshot()).body, as: UTF8.self)
        #expect(text.hasPrefix("task orphans: total 4, grouped by site\n3 @ OrderService/Validation.swift:62 startValidationChild()\n"))
        #expect(text.contains("#\tname=stock-validation route=\"/api/v1/order/map\" requests=3\n#\trequest status: 500 (3)\n"))
    }

    @Test func debugTwoListsEachOrphanWithItsRequest() throws {
        leak()
        let query = try TaskProfileQuery(queryItems: [("view", "orphans"), ("debug", "2"), ("format", "json")])
        let body = TaskProfile.render(query, snapshot: registry.snapshot()).body
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.count == 4)
        #expect(tasks.allSatisfy { $0["orphaned_seconds"] is Double && $0["detached"] as? Bool == false })
        let labels = tasks.compactMap { ($0["labels"] as? [String: String])?["request_id"] }
        #expect(Set(labels) == ["map-1", "map-2", "map-3", "user-1"])
    }

    /// `go tool pprof` of the orphans alone: one sample per site and route, the route
    /// inherited from the request that leaked them.
    @Test func debugZeroProfilesTheOrphansAlone() throws {
        leak()
        let live = registry.registerRequest(route: "/api/v1/order/map", requestID: "live", streamID: 0, site: TaskSite())
        _ = registry.register(name: "stock-validation", parent: live, labels: [:], site: validatorSite, detached: false)
        let query = try TaskProfileQuery(queryItems: [("view", "orphans"), ("debug", "0")])
        let profile = try DecodedPprof(gzipped: TaskProfile.render(query, snapshot: registry.snapshot()).body)
        #expect(profile.samples.map { $0.values[0] } == [3, 1], "the live request and its child are not orphans")
        #expect(profile.samples.map { $0.labels["route"] } == [["/api/v1/order/map"], ["/api/v1/user/fetch"]])
        #expect(profile.samples.map { $0.labels["name"] } == [["stock-validation"], ["fetch"]])
    }

    @Test func noOrphansRendersAnEmptyView() throws {
        let object = try json([])
        #expect(object["total"] as? Int == 0)
        #expect(try groups(object).isEmpty)
    }
}
