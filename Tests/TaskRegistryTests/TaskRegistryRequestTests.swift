import Testing
@testable import TaskRegistry

/// Requests live in a slab of their own (`registerRequest`); readers must see them exactly
/// as general entries registered under the name "request".
@Suite("TaskRegistry request entries")
struct TaskRegistryRequestTests {
    func makeRegistry(shard: Int? = 0, backtraces: Bool = false) -> TaskRegistry {
        TaskRegistry(shardCount: 2, captureBacktraces: backtraces, currentShard: { shard })
    }

    func entry(_ registry: TaskRegistry, _ id: TaskID) -> TaskInfo? {
        registry.snapshot().tasks.first { $0.id == id }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var streamID: UInt32
        var expectedLabels: [String]
        var testDescription: String { streamID == 0 ? "HTTP/1.1" : "HTTP/2 stream \(streamID)" }
    }

    @Test(arguments: [
        Case(streamID: 0, expectedLabels: ["route=\"/api/v1/order/map\"", "request_id=\"abc-1\""]),
        Case(streamID: 7, expectedLabels: ["route=\"/api/v1/order/map\"", "request_id=\"abc-1\"", "stream_id=\"7\""]),
    ], [false, true])
    func readsLikeAGeneralEntry(_ testCase: Case, backtraces: Bool) throws {
        let registry = makeRegistry(shard: 1, backtraces: backtraces)
        let site = TaskSite(fileID: "Middleware/TaskTracking.swift", line: 9, function: "begin(_:)")
        let token = registry.registerRequest(route: "/api/v1/order/map", requestID: "abc-1", streamID: testCase.streamID, site: site)
        let info = try #require(entry(registry, token.id))
        #expect(info.name == "request")
        #expect(info.parent == nil)
        #expect(info.site == site)
        #expect(info.labels.map { "\($0.key)=\"\($0.value)\"" } == testCase.expectedLabels)
        #expect(registry.labels(of: token) == info.labels)
        #expect(info.state == .running)
        #expect(info.createdAt == info.stateChangedAt)
        #expect(token.id.shard == 1)
        #expect(registry.liveCount == 1)
        #expect(registry.gauges() == [TaskGauge(name: "request", state: "running", count: 1),
                                      TaskGauge(name: "request", state: "waiting", count: 0)])
        registry.end(token)
        #expect(registry.liveCount == 0)
        #expect(entry(registry, token.id) == nil)
        #expect(registry.labels(of: token) == nil)
        #expect(registry.spawnedTotals().map(\.count) == [1])
    }

    @Test func stateChangesAreCountedAndStamped() async throws {
        let registry = makeRegistry()
        let token = registry.registerRequest(route: "/r", requestID: "1", streamID: 0, site: TaskSite())
        try await Task.sleep(for: .milliseconds(20))
        registry.setState(token, .waiting("stock-reply"))
        let waiting = try #require(entry(registry, token.id))
        #expect(waiting.state.waitReason == "stock-reply")
        #expect(waiting.stateChangedAt > waiting.createdAt)
        #expect(registry.gauges().first { $0.state == "waiting" }?.count == 1)
        registry.end(token)  // ending while waiting leaves both counts at zero
        #expect(registry.gauges().allSatisfy { $0.count == 0 })
    }

    @Test func slotsAreReusedAndStaleTokensIgnored() throws {
        let registry = makeRegistry()
        let old = registry.registerRequest(route: "/old", requestID: "1", streamID: 0, site: TaskSite())
        registry.end(old)
        let reused = registry.registerRequest(route: "/new", requestID: "2", streamID: 0, site: TaskSite())
        #expect(reused.slot == old.slot)
        registry.setState(old, .waiting("x"))
        registry.end(old)
        #expect(registry.liveCount == 1)
        let info = try #require(entry(registry, reused.id))
        #expect(info.state == .running)
        #expect(info.labels["route"] == "/new")
        #expect(registry.slotCounts().map(\.slots).reduce(0, +) == 1)
    }

    /// Requests and other entries share the id sequence, parentage and the `since` delta.
    @Test func mixesWithGeneralEntries() throws {
        let registry = makeRegistry()
        let connection = registry.register(name: "connection", parent: nil, labels: [:], site: TaskSite())
        let mark = registry.mark()
        let request = registry.registerRequest(route: "/r", requestID: "1", streamID: 0, site: TaskSite())
        let child = registry.register(name: "validator", parent: request.id, labels: [:], site: TaskSite())
        #expect(Set([connection.id, request.id, child.id]).count == 3)
        #expect(try #require(entry(registry, child.id)).parent == request.id)
        #expect(Set(registry.snapshot(since: mark).tasks.map(\.id)) == [request.id, child.id])
        #expect(registry.snapshot().tasks.count == 3)
    }

    @Test(arguments: [1, TaskRegistry.snapshotSlice, 2 * TaskRegistry.snapshotSlice + 3])
    func snapshotsSpanSlices(count: Int) {
        let registry = makeRegistry()
        let tokens = (0..<count).map { registry.registerRequest(route: "/r", requestID: "\($0)", streamID: 0, site: TaskSite()) }
        #expect(registry.snapshot().tasks.count == count)
        for token in tokens where token.id.sequence % 2 == 0 { registry.end(token) }
        #expect(Set(registry.snapshot().tasks.map(\.id)) == Set(tokens.filter { $0.id.sequence % 2 != 0 }.map(\.id)))
    }

    /// A request entry is `TaskRegistry.current` in the task that registered it, and only
    /// there: children it spawns record it as their parent and `waiting` marks it.
    @Test func theRegisteringTaskFindsItsEntry() async throws {
        let registry = makeRegistry()
        #expect(TaskRegistry.current == nil)
        let token = registry.registerRequest(route: "/r", requestID: "1", streamID: 0, site: TaskSite())
        #expect(TaskRegistry.current == token)
        let elsewhere = await Task.detached { TaskRegistry.current }.value
        #expect(elsewhere == nil, "another task does not see this task's request")
        let childParent = try await registry.spawn(name: "child") {
            registry.snapshot().tasks.first { $0.id == TaskRegistry.current?.id }?.parent
        }.value
        #expect(childParent == token.id)
        let stateInside = await TaskRegistry.waiting("stock-reply") {
            registry.snapshot().tasks.first { $0.id == token.id }?.state
        }
        #expect(stateInside == .waiting("stock-reply"))
        #expect(try #require(entry(registry, token.id)).state == .running)
        registry.end(token)
        #expect(TaskRegistry.current == nil)
    }
}
