import Foundation
import Synchronization
import Testing
@testable import TaskRegistry

@Suite("TaskProfile rendering")
struct TaskProfileTests {
    static let validatorSite = TaskSite(fileID: "OrderService/StockValidator.swift", line: 42, function: "validate(ids:)")
    static let requestSite = TaskSite(fileID: "Middleware/TaskMiddleware.swift", line: 10, function: "handle(_:context:next:)")
    static let now = TaskInstant(nanoseconds: 1_000_000_000_000)

    static func ago(_ seconds: Double) -> TaskInstant {
        TaskInstant(nanoseconds: now.nanoseconds - UInt64(seconds * 1e9))
    }

    static func task(_ sequence: UInt64, _ name: String, site: TaskSite, state: TaskState = .running,
                     labels: TaskLabels = [:], age: Double, stateAge: Double? = nil, parent: TaskID? = nil) -> TaskInfo {
        TaskInfo(id: TaskID(shard: 0, sequence: sequence), parent: parent, name: name, site: site, labels: labels,
                 state: state, createdAt: ago(age), stateChangedAt: ago(stateAge ?? age))
    }

    /// Three leaked validators (different requests, same route), two running requests,
    /// one validator on another route.
    static let snapshot = TaskSnapshot(tasks: [
        task(1, "request", site: requestSite, labels: ["route": "/a", "request_id": "r1"], age: 2),
        task(2, "validator", site: validatorSite, state: .waiting("stock-reply"),
             labels: ["route": "/a", "request_id": "r1"], age: 120, stateAge: 119, parent: TaskID(shard: 0, sequence: 1)),
        task(3, "validator", site: validatorSite, state: .waiting("stock-reply"),
             labels: ["route": "/a", "request_id": "r2"], age: 60, stateAge: 59),
        task(4, "validator", site: validatorSite, state: .waiting("stock-reply"),
             labels: ["route": "/a", "request_id": "r3"], age: 10, stateAge: 10),
        task(5, "request", site: requestSite, labels: ["route": "/a", "request_id": "r4"], age: 0.5),
        task(6, "validator", site: validatorSite, state: .waiting("stock-reply"),
             labels: ["route": "/b", "request_id": "r5"], age: 45, stateAge: 40),
    ], takenAt: now)

    func text(_ query: TaskProfileQuery, _ snapshot: TaskSnapshot = Self.snapshot) -> String {
        let (contentType, body) = TaskProfile.render(query, snapshot: snapshot)
        #expect(contentType == "text/plain; charset=utf-8")
        return String(decoding: body, as: UTF8.self)
    }

    func json(_ query: TaskProfileQuery, _ snapshot: TaskSnapshot = Self.snapshot) throws -> [String: Any] {
        var query = query
        query.format = .json
        let (contentType, body) = TaskProfile.render(query, snapshot: snapshot)
        #expect(contentType == "application/json")
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    @Test func debug1GroupsAndSortsByCount() {
        let output = text(TaskProfileQuery())
        #expect(output == """
            task profile: total 6
            3 @ OrderService/StockValidator.swift:42 validate(ids:)
            #\tname=validator state=waiting(stock-reply) oldest=2m0s
            #\tlabels: route="/a"

            2 @ Middleware/TaskMiddleware.swift:10 handle(_:context:next:)
            #\tname=request state=running oldest=2.0s
            #\tlabels: route="/a"

            1 @ OrderService/StockValidator.swift:42 validate(ids:)
            #\tname=validator state=waiting(stock-reply) oldest=45.0s
            #\tlabels: route="/b"


            """)
    }

    @Test func debug1GroupKeyIncludesStateAndName() {
        var tasks = Self.snapshot.tasks
        tasks[3].state = .waiting("other")  // sequence 4
        tasks[2].name = "renamed"  // sequence 3
        let output = text(TaskProfileQuery(), TaskSnapshot(tasks: tasks, takenAt: Self.now))
        #expect(output.components(separatedBy: "\n").filter { $0.contains(" @ ") }.map { $0.prefix(2) }
                == ["2 ", "1 ", "1 ", "1 ", "1 "])
    }

    @Test func debug2ListsEveryTaskOldestFirst() {
        let output = text(TaskProfileQuery(debug: 2))
        #expect(output.hasPrefix("task profile: total 6\n"))
        #expect(output.contains("""
            task 0:2 validator [waiting(stock-reply) for 1m59s, age 2m0s]
            \tparent: 0:1
            \tlabels: route="/a" request_id="r1"
            \tcreated at OrderService/StockValidator.swift:42 validate(ids:)
            """))
        #expect(output.contains("task 0:5 request [running for 500ms, age 500ms]\n\tparent: none\n"))
        let order = output.components(separatedBy: "\n").filter { $0.hasPrefix("task 0:") }.map { $0.prefix(8) }
        #expect(order == ["task 0:2", "task 0:3", "task 0:6", "task 0:4", "task 0:1", "task 0:5"])
    }

    @Test func jsonGroups() throws {
        let object = try json(TaskProfileQuery())
        #expect(object["total"] as? Int == 6)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.count == 3)
        let first = groups[0]
        #expect(Set(first.keys) == ["count", "name", "site", "function", "state", "wait_reason", "labels", "oldest_age_seconds"])
        #expect(first["count"] as? Int == 3)
        #expect(first["name"] as? String == "validator")
        #expect(first["site"] as? String == "OrderService/StockValidator.swift:42")
        #expect(first["function"] as? String == "validate(ids:)")
        #expect(first["state"] as? String == "waiting")
        #expect(first["wait_reason"] as? String == "stock-reply")
        #expect(first["labels"] as? [String: String] == ["route": "/a"])
        #expect(first["oldest_age_seconds"] as? Double == 120)
        #expect(groups[1]["wait_reason"] is NSNull)
        #expect(groups[1]["state"] as? String == "running")
    }

    @Test func jsonTasks() throws {
        let object = try json(TaskProfileQuery(debug: 2))
        #expect(object["total"] as? Int == 6)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.count == 6)
        let first = tasks[0]
        #expect(Set(first.keys) == ["id", "parent", "name", "site", "function", "state", "wait_reason", "labels",
                                    "age_seconds", "state_age_seconds", "detached", "orphaned_seconds", "request_status"])
        #expect(first["detached"] as? Bool == false)
        #expect(first["orphaned_seconds"] is NSNull && first["request_status"] is NSNull)
        #expect(first["id"] as? String == "0:2")
        #expect(first["parent"] as? String == "0:1")
        #expect(first["labels"] as? [String: String] == ["route": "/a", "request_id": "r1"])
        #expect(first["age_seconds"] as? Double == 120)
        #expect(first["state_age_seconds"] as? Double == 119)
        #expect(tasks[1]["parent"] is NSNull)
        #expect(tasks[5]["age_seconds"] as? Double == 0.5)
    }

    @Test func jsonEscapesStrings() throws {
        let weird = TaskSnapshot(tasks: [
            Self.task(1, "a\"b\\c\nd\u{1}é", site: Self.requestSite, state: .waiting("q\"r"),
                      labels: ["k\"": "v\n"], age: 1),
        ], takenAt: Self.now)
        let tasks = try #require(try json(TaskProfileQuery(debug: 2), weird)["tasks"] as? [[String: Any]])
        #expect(tasks[0]["name"] as? String == "a\"b\\c\nd\u{1}é")
        #expect(tasks[0]["wait_reason"] as? String == "q\"r")
        #expect(tasks[0]["labels"] as? [String: String] == ["k\"": "v\n"])
        // In text, label values are quoted, so a newline cannot start a forged line.
        #expect(text(TaskProfileQuery(debug: 2), weird).contains(#"k"="v\n""#))
    }

    struct FilterCase: Sendable, CustomTestStringConvertible {
        var query: String
        var ids: [UInt64]
        var testDescription: String { query }
    }

    @Test(arguments: [
        FilterCase(query: "min_age=30s", ids: [2, 3, 6]),
        FilterCase(query: "min_age=1m", ids: [2, 3]),
        FilterCase(query: "min_age=1500ms", ids: [1, 2, 3, 4, 6]),
        FilterCase(query: "min_age=45", ids: [2, 3, 6]),
        FilterCase(query: "name=request", ids: [1, 5]),
        FilterCase(query: "name=nothing", ids: []),
        FilterCase(query: "state=running", ids: [1, 5]),
        FilterCase(query: "state=waiting", ids: [2, 3, 4, 6]),
        FilterCase(query: "state=stock-reply", ids: [2, 3, 4, 6]),
        FilterCase(query: "state=inventory-cache", ids: []),
        FilterCase(query: "name=validator&min_age=50s&state=waiting", ids: [2, 3]),
    ])
    func filters(_ filter: FilterCase) throws {
        var items = filter.query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return (name: String(parts[0]), value: String(parts[1]))
        }
        items.append((name: "debug", value: "2"))
        let query = try TaskProfileQuery(queryItems: items)
        let tasks = try #require(try json(query)["tasks"] as? [[String: Any]])
        let ids = tasks.compactMap { ($0["id"] as? String).flatMap(TaskID.init)?.sequence }.sorted()
        #expect(ids == filter.ids)
        #expect(try json(query)["total"] as? Int == filter.ids.count)
        // The grouped view applies the same filters.
        var grouped = query
        grouped.debug = 1
        let groups = try #require(try json(grouped)["groups"] as? [[String: Any]])
        #expect(groups.compactMap { $0["count"] as? Int }.reduce(0, +) == filter.ids.count)
    }

    @Test func leaksViewGroupsBySiteAboveTheThreshold() throws {
        // Default 30 s: tasks 2, 3 and 6 (4 has waited only 10 s; requests are running).
        let output = text(TaskProfileQuery(view: .leaks))
        #expect(output == """
            task leaks: total 3 waiting at least 30.0s
            3 @ OrderService/StockValidator.swift:42 validate(ids:)
            #\tname=validator state=waiting(stock-reply) longest_wait=1m59s oldest=2m0s


            """)
        let object = try json(TaskProfileQuery(view: .leaks, leakThreshold: .seconds(5)))
        #expect(object["total"] as? Int == 4)
        #expect(object["threshold_seconds"] as? Double == 5)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        #expect(groups[0]["count"] as? Int == 4)
        #expect(groups[0]["longest_wait_seconds"] as? Double == 119)
        // Shared labels only: the routes differ, so none is shown.
        #expect(groups[0]["labels"] as? [String: String] == [:])
        let onlyRouteA = try json(TaskProfileQuery(view: .leaks, leakThreshold: .seconds(50)))
        #expect((onlyRouteA["groups"] as? [[String: Any]])?.first?["labels"] as? [String: String] == ["route": "/a"])
    }

    @Test func leaksThresholdFromQueryAndDefault() throws {
        #expect(try TaskProfileQuery(queryItems: [("view", "leaks"), ("threshold", "2m")]).leakThreshold == .seconds(120))
        #expect(try TaskProfileQuery(queryItems: [], defaultLeakThreshold: .seconds(5)).leakThreshold == .seconds(5))
        let registry = TaskRegistry(shardCount: 1, currentShard: { 0 })
        let token = registry.register(name: "v", parent: nil, labels: [:], site: Self.validatorSite)
        registry.setState(token, .waiting("stock-reply"))
        let (_, body) = TaskProfile.renderLeaks(registry: registry, threshold: .zero)
        #expect(String(decoding: body, as: UTF8.self).hasPrefix("task leaks: total 1 waiting at least 0ms\n1 @ "))
    }

    @Test func secondsReturnsOnlyTasksCreatedDuringTheWindowAndStillAlive() async throws {
        let registry = TaskRegistry(shardCount: 2, currentShard: { Int.random(in: 0...2) })
        let before = registry.register(name: "before", parent: nil, labels: [:], site: TaskSite())
        let slept = Mutex<[Duration]>([])
        let query = try TaskProfileQuery(queryItems: [("seconds", "5"), ("debug", "2"), ("format", "json")])
        let (_, body) = try await TaskProfile.render(query, registry: registry) { duration in
            slept.withLock { $0.append(duration) }
            for index in 0..<6 {
                let token = registry.register(name: "during-\(index)", parent: nil, labels: [:], site: TaskSite())
                if index.isMultiple(of: 2) { registry.end(token) }
            }
        }
        #expect(slept.withLock { $0 } == [.seconds(5)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(object["window_seconds"] as? Int == 5)
        let names = try #require(object["tasks"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(names.sorted() == ["during-1", "during-3", "during-5"])
        #expect(registry.liveCount == 4)
        registry.end(before)
    }

    @Test func renderWithoutSecondsDoesNotSleep() async throws {
        let registry = TaskRegistry(shardCount: 1, currentShard: { 0 })
        _ = registry.register(name: "x", parent: nil, labels: [:], site: TaskSite())
        let (contentType, body) = try await TaskProfile.render(TaskProfileQuery(), registry: registry) { _ in
            Issue.record("slept")
        }
        #expect(contentType == "text/plain; charset=utf-8")
        #expect(String(decoding: body, as: UTF8.self).hasPrefix("task profile: total 1\n1 @ TaskRegistryTests/TaskProfileTests.swift:"))
    }

    @Test func backtracesAreCapturedWhenAsked() async throws {
        let registry = TaskRegistry(shardCount: 1, captureBacktraces: true, currentShard: { 0 })
        let token = registry.register(name: "traced", parent: nil, labels: [:], site: TaskSite())
        let output = text(TaskProfileQuery(debug: 2), registry.snapshot())
        #expect(output.contains("\tbacktrace:\n"))
        #expect(output.components(separatedBy: "\n").filter { $0.hasPrefix("\t\t") }.count > 1)
        let tasks = try #require(try json(TaskProfileQuery(debug: 2), registry.snapshot())["tasks"] as? [[String: Any]])
        #expect((tasks[0]["backtrace"] as? [String])?.isEmpty == false)
        registry.end(token)
    }

    @Test(arguments: [
        (Duration.milliseconds(850), "850ms", "0.850"),
        (.milliseconds(12_345), "12.3s", "12.345"),
        (.seconds(133), "2m13s", "133.000"),
        (.seconds(3_720), "1h02m", "3720.000"),
        (.zero, "0ms", "0.000"),
    ])
    func durationFormats(duration: Duration, age: String, seconds: String) {
        var writer = TaskProfileWriter(capacity: 16)
        writer.writeAge(duration)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == age)
        writer = TaskProfileWriter(capacity: 16)
        writer.writeSeconds(duration)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == seconds)
    }
}
