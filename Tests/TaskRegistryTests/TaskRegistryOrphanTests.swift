import Testing
@testable import TaskRegistry

/// A task still alive when the request it was started for ends is an orphan, marked at that
/// moment with the request's route, id and status; detached work never is.
@Suite("TaskRegistry orphans")
struct TaskRegistryOrphanTests {
    let registry = TaskRegistry(shardCount: 2, currentShard: { 0 })

    func request(_ id: String = "req-1", route: String = "/api/v1/order/map", traceID: TaskTraceID = .none) -> TaskToken {
        registry.registerRequest(route: route, requestID: id, streamID: 0, site: TaskSite(), traceID: traceID)
    }

    func child(of parent: TaskToken, _ name: String = "stock-validation", detached: Bool = false,
               labels: TaskLabels = [:]) -> TaskToken {
        registry.register(name: name, parent: parent, labels: labels, site: TaskSite(), detached: detached)
    }

    func info(_ token: TaskToken) throws -> TaskInfo {
        try #require(registry.snapshot().tasks.first { $0.id == token.id })
    }

    func orphanCounts() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: registry.orphanGauges().filter { $0.count > 0 }.map { ($0.name, $0.count) })
    }

    @Test func childrenAliveWhenTheRequestEndsBecomeOrphans() throws {
        let request = request()
        let children = (0..<3).map { _ in child(of: request) }
        children[1].end()
        #expect(orphanCounts().isEmpty, "nothing is an orphan while its request lives")
        registry.end(request, status: 500)

        #expect(orphanCounts() == ["stock-validation": 2])
        for token in [children[0], children[2]] {
            let orphan = try info(token)
            #expect(orphan.orphaning?.requestStatus == 500)
            #expect(orphan.attribution == TaskAttribution(route: "/api/v1/order/map", requestID: "req-1"))
            #expect(orphan.parent == request.id)
        }
        children[0].end()
        #expect(orphanCounts() == ["stock-validation": 1], "an orphan that ends leaves the gauge")
        #expect(registry.orphanedTotals().first { $0.name == "stock-validation" }?.count == 2, "but not the total")
    }

    @Test func aRequestWhoseChildrenEndedFirstLeavesNone() {
        let request = request()
        let children = (0..<4).map { _ in child(of: request) }
        for token in children.reversed() { token.end() }
        registry.end(request, status: 200)
        #expect(registry.orphanedTotals().allSatisfy { $0.count == 0 })
        #expect(registry.liveCount == 0)
    }

    @Test func grandchildrenAreOrphansToo() throws {
        let request = request()
        let child = child(of: request)
        let grandchild = self.child(of: child, "inventory-fetch")
        registry.end(request, status: 503)
        #expect(orphanCounts() == ["stock-validation": 1, "inventory-fetch": 1])
        #expect(try info(grandchild).attribution?.requestID == "req-1")
        #expect(try info(grandchild).orphaning?.requestStatus == 503)
    }

    @Test func aChildOfAnOrphanIsBornOrphaned() throws {
        let request = request()
        let child = child(of: request)
        registry.end(request, status: 500)
        let late = self.child(of: child, "retry")
        #expect(try info(late).orphaning?.requestStatus == 500)
        #expect(orphanCounts() == ["stock-validation": 1, "retry": 1])
    }

    @Test func detachedWorkAndItsChildrenAreNeverOrphans() throws {
        let request = request(traceID: TaskTraceID(high: 1, low: 2))
        let refresh = child(of: request, "inventory-refresh", detached: true)
        let fetch = child(of: refresh, "inventory-fetch")
        registry.end(request, status: 200)
        #expect(orphanCounts().isEmpty)
        let detached = try info(refresh)
        #expect(detached.isDetached)
        #expect(detached.attribution?.requestID == "req-1", "detached work still names the request that started it")
        #expect(detached.labels["trace_id"] == "00000000000000010000000000000002")
        #expect(try info(fetch).orphaning == nil)
    }

    /// Children ending in any order keep the request's list whole: exactly the live ones
    /// become orphans, and every slot is free once all have ended.
    @Test(arguments: [1, 7, 42])
    func theListSurvivesAnyEndingOrder(seed: UInt64) {
        var random = SplitMix(state: seed)
        let request = request()
        var children = (0..<200).map { _ in child(of: request) }
        children.shuffle(using: &random)
        let ended = children.prefix(120)
        for token in ended { token.end() }
        registry.end(request, status: 500)
        #expect(orphanCounts() == ["stock-validation": 80])
        let orphans = Set(registry.snapshot().tasks.filter(\.isOrphan).map(\.id))
        #expect(orphans == Set(children.suffix(80).map(\.id)))
        for token in children.suffix(80) { token.end() }
        #expect(orphanCounts().isEmpty)
        #expect(registry.slotCounts().allSatisfy { $0.slots == $0.free && $0.live == 0 })
    }

    /// A request slot reused by the next request starts with an empty list: the old
    /// orphans stay orphans of the old request, and new children belong to the new one.
    @Test func aReusedRequestSlotStartsClean() throws {
        let first = request("first")
        let leaked = child(of: first)
        registry.end(first, status: 500)
        let second = request("second")
        let healthy = child(of: second)
        healthy.end()
        registry.end(second, status: 200)
        #expect(orphanCounts() == ["stock-validation": 1])
        #expect(try info(leaked).attribution?.requestID == "first")
    }

    /// `spawn` finds the request as the current entry and inherits from it.
    @Test func spawnInheritsTheRequest() async throws {
        let request = request("spawned")
        let gate = AsyncGate()
        let task = registry.spawn(name: "waiter", labels: ["order_id": "7"]) { await gate.wait() }
        try await Task.sleep(for: .milliseconds(20))
        registry.end(request, status: 500)
        let orphan = try #require(registry.snapshot().tasks.first { $0.name == "waiter" })
        #expect(orphan.isOrphan)
        #expect(orphan.labels.map { "\($0.key)=\($0.value)" } == ["order_id=7", "route=/api/v1/order/map", "request_id=spawned"])
        await gate.open()
        _ = try await task.value
        #expect(orphanCounts().isEmpty)
    }
}

/// A deterministic generator for shuffles.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Opens once; `wait` returns after that.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
