import Testing
@testable import TaskRegistry

@Suite("TaskRegistry")
struct TaskRegistryTests {
    struct Failure: Error {}

    func makeRegistry(shard: Int? = 0) -> TaskRegistry {
        TaskRegistry(shardCount: 2, currentShard: { shard })
    }

    func entry(_ registry: TaskRegistry, _ id: TaskID) -> TaskInfo? {
        registry.snapshot().tasks.first { $0.id == id }
    }

    @Test func registerRecordsEverything() throws {
        let registry = makeRegistry(shard: 1)
        let site = TaskSite(fileID: "Module/File.swift", line: 42, function: "handle()")
        let token = registry.register(name: "request", parent: nil, labels: ["route": "/a", "request_id": "r1"], site: site)
        let info = try #require(entry(registry, token.id))
        #expect(info.name == "request")
        #expect(info.parent == nil)
        #expect(info.site == site)
        #expect(info.labels["route"] == "/a")
        #expect(info.labels["request_id"] == "r1")
        #expect(info.state == .running)
        #expect(info.createdAt == info.stateChangedAt)
        #expect(token.id.shard == 1)
        #expect(token.id.description == "1:1")
        #expect(TaskID(token.id.description) == token.id)
        #expect(registry.liveCount == 1)
        registry.end(token)
        #expect(registry.liveCount == 0)
        #expect(entry(registry, token.id) == nil)
    }

    /// Snapshots copy a slice of slots per lock hold; every live entry is still seen, across
    /// slice boundaries and with holes left by ended entries.
    @Test(arguments: [1, TaskRegistry.snapshotSlice - 1, TaskRegistry.snapshotSlice, 3 * TaskRegistry.snapshotSlice + 7])
    func snapshotsSpanSlices(count: Int) {
        let registry = makeRegistry(shard: 0)
        let tokens = (0..<count).map { _ in registry.register(name: "t", parent: nil, labels: [:], site: TaskSite()) }
        #expect(registry.snapshot().tasks.count == count)
        for token in tokens where token.id.sequence % 3 == 0 { registry.end(token) }
        let live = tokens.filter { $0.id.sequence % 3 != 0 }
        #expect(Set(registry.snapshot().tasks.map(\.id)) == Set(live.map(\.id)))
    }

    @Test(arguments: [nil, -1, 2, 99] as [Int?])
    func callersOutsideAnyLoopUseTheOverflowShard(shard: Int?) {
        let registry = makeRegistry(shard: shard)
        let token = registry.register(name: "x", parent: nil, labels: [:], site: TaskSite())
        #expect(token.id.shard == 2)
        registry.end(token)
    }

    @Test func parentIDsAreRecorded() throws {
        let registry = makeRegistry()
        let parent = registry.register(name: "connection", parent: nil, labels: [:], site: TaskSite())
        let child = registry.register(name: "request", parent: parent.id, labels: [:], site: TaskSite())
        #expect(try #require(entry(registry, child.id)).parent == parent.id)
    }

    @Test func setStateChangesStateAndStampsTime() async throws {
        let registry = makeRegistry()
        let token = registry.register(name: "x", parent: nil, labels: [:], site: TaskSite())
        try await Task.sleep(for: .milliseconds(30))
        registry.setState(token, .waiting("stock-reply"))
        let waiting = try #require(entry(registry, token.id))
        #expect(waiting.state == .waiting("stock-reply"))
        #expect(waiting.state.waitReason == "stock-reply")
        #expect(waiting.stateChangedAt > waiting.createdAt)
        registry.setState(token, .running)
        #expect(try #require(entry(registry, token.id)).state == .running)
    }

    @Test func staleTokensAreIgnored() throws {
        let registry = makeRegistry()
        let old = registry.register(name: "old", parent: nil, labels: [:], site: TaskSite())
        registry.end(old)
        let reused = registry.register(name: "new", parent: nil, labels: [:], site: TaskSite())
        #expect(reused.slot == old.slot)  // the slot is reused...
        registry.setState(old, .waiting("x"))  // ...but the old token no longer reaches it
        registry.end(old)
        #expect(registry.liveCount == 1)
        #expect(try #require(entry(registry, reused.id)).state == .running)
        #expect(reused.id != old.id)
    }

    @Test func spawnBindsCurrentAndEndsOnCompletion() async throws {
        let registry = makeRegistry()
        let (id, parent) = try await registry.spawn(name: "child", labels: ["k": "v"]) {
            (TaskRegistry.current?.id, TaskRegistry.current.flatMap { token in
                token.registry.snapshot().tasks.first { $0.id == token.id }
            })
        }.value
        let info = try #require(parent)
        #expect(info.id == id)
        #expect(info.name == "child")
        #expect(info.labels["k"] == "v")
        #expect(info.parent == nil)
        #expect(info.site.fileID.description == "TaskRegistryTests/TaskRegistryTests.swift")
        #expect(info.site.function.description == "spawnBindsCurrentAndEndsOnCompletion()")
        #expect(registry.liveCount == 0)
        #expect(TaskRegistry.current == nil)
    }

    @Test func spawnEndsOnThrow() async {
        let registry = makeRegistry()
        let task = registry.spawn(name: "failing") { () async throws -> Int in throw Failure() }
        await #expect(throws: Failure.self) { try await task.value }
        #expect(registry.liveCount == 0)
    }

    @Test func grandchildRecordsItsParent() async throws {
        let registry = makeRegistry()
        let ids = try await registry.spawn(name: "child") {
            let child = TaskRegistry.current?.id
            let grandchild = try await registry.spawn(name: "grandchild") {
                registry.snapshot().tasks.first { $0.id == TaskRegistry.current?.id }?.parent
            }.value
            return (child, grandchild)
        }.value
        #expect(ids.0 != nil)
        #expect(ids.1 == ids.0)
    }

    @Test func withCurrentBindsAToken() async throws {
        let registry = makeRegistry()
        let token = registry.register(name: "request", parent: nil, labels: [:], site: TaskSite())
        let seen = await TaskRegistry.withCurrent(token) { TaskRegistry.current }
        #expect(seen == token)
        let childParent = try await TaskRegistry.withCurrent(token) {
            try await registry.spawn(name: "child") {
                registry.snapshot().tasks.first { $0.id == TaskRegistry.current?.id }?.parent
            }.value
        }
        #expect(childParent == token.id)
    }

    @Test func waitingSetsAndRestoresState() async throws {
        let registry = makeRegistry()
        let token = registry.register(name: "request", parent: nil, labels: [:], site: TaskSite())
        let inside = await TaskRegistry.withCurrent(token) {
            await TaskRegistry.waiting("inventory-cache") {
                registry.snapshot().tasks.first { $0.id == token.id }?.state
            }
        }
        #expect(inside == .waiting("inventory-cache"))
        #expect(try #require(entry(registry, token.id)).state == .running)
        #expect(registry.gauges().contains(TaskGauge(name: "request", state: "running", count: 1)))
    }

    @Test func waitingRestoresStateOnThrow() async throws {
        let registry = makeRegistry()
        let token = registry.register(name: "request", parent: nil, labels: [:], site: TaskSite())
        await #expect(throws: Failure.self) {
            try await TaskRegistry.withCurrent(token) {
                try await TaskRegistry.waiting("stock-reply") { throw Failure() }
            }
        }
        #expect(try #require(entry(registry, token.id)).state == .running)
    }

    @Test func waitingOutsideARegisteredTaskJustRuns() async {
        #expect(await TaskRegistry.waiting("x") { 7 } == 7)
    }

    @Test func gaugesAndSpawnedTotals() {
        let registry = TaskRegistry(shardCount: 2, currentShard: { nil })
        let a = registry.register(name: "request", parent: nil, labels: [:], site: TaskSite())
        let b = registry.register(name: "request", parent: nil, labels: [:], site: TaskSite())
        let c = registry.register(name: "validator", parent: nil, labels: [:], site: TaskSite())
        registry.setState(b, .waiting("stock-reply"))
        registry.setState(c, .waiting("inventory-cache"))
        registry.end(a)
        #expect(registry.gauges() == [
            TaskGauge(name: "request", state: "running", count: 0),
            TaskGauge(name: "request", state: "waiting", count: 1),
            TaskGauge(name: "validator", state: "running", count: 0),
            TaskGauge(name: "validator", state: "waiting", count: 1),
        ])
        registry.end(c)
        #expect(registry.gauges().last == TaskGauge(name: "validator", state: "waiting", count: 0))
        let totals = registry.spawnedTotals()
        #expect(totals.map(\.name) == ["request", "validator"])
        #expect(totals.map(\.count) == [2, 1])
        #expect(registry.liveCount == 1)
    }

    @Test func manyNamesFallBackToTheLookupTable() {
        let registry = makeRegistry()
        let tokens = (0..<40).map { registry.register(name: "name-\($0 % 20)", parent: nil, labels: [:], site: TaskSite()) }
        #expect(registry.spawnedTotals().count == 20)
        #expect(registry.spawnedTotals().allSatisfy { $0.count == 2 })
        tokens.forEach(registry.end)
        #expect(registry.gauges().allSatisfy { $0.count == 0 })
    }

    @Test func labelsKeepOrderAndOverflowInline() {
        var labels = TaskLabels()
        for index in 0..<5 { labels.append("k\(index)", "v\(index)") }
        #expect(labels.count == 5)
        #expect(labels.map(\.key) == ["k0", "k1", "k2", "k3", "k4"])
        #expect(labels["k4"] == "v4")
        #expect(labels["missing"] == nil)
        #expect(labels.removing(keys: ["k1", "k3"]).map(\.key) == ["k0", "k2", "k4"])
        #expect(labels == TaskLabels((0..<5).map { ("k\($0)", "v\($0)") }))
        #expect(labels != TaskLabels([("k0", "v0")]))
        #expect(labels.description.hasPrefix(#"k0="v0" k1="v1""#))
    }
}
