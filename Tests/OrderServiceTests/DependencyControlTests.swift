import Foundation
import OrderService
import Synchronization
import Testing

@Suite("Dependency settings changed at run time")
struct DependencyControlTests {
    typealias Field = DependencySettings.Field

    /// Settings in which every field differs from the defaults.
    static let changed = DependencySettings(
        inventoryLatency: .milliseconds(3), inventoryFailureRate: 0.25, inventoryCacheTTL: .seconds(9),
        slowInventoryLatency: .milliseconds(7), stockValidatorLatency: .milliseconds(11), stockValidatorFailureRate: 0.5
    )

    @Test("a partial update changes only the named field and reports both versions")
    func partialUpdate() throws {
        let control = DependencyControl()
        let change = try control.update { try $0.set(.stockValidatorLatency, to: 250) }
        var expected = DependencySettings()
        expected.stockValidatorLatency = .milliseconds(250)
        #expect(control.current == expected)
        #expect(change.previous == DependencySettings())
        #expect(change.current == expected)
        #expect(change.changedFields == [.stockValidatorLatency])
        #expect(control.startup == DependencySettings())
    }

    @Test("milliseconds with a fraction keep nanosecond precision, and read back as given")
    func fractionalMilliseconds() throws {
        let control = DependencyControl()
        try control.update { try $0.set(.inventoryLatency, to: 0.5) }
        #expect(control.current.inventoryLatency == .microseconds(500))
        #expect(control.current[.inventoryLatency] == 0.5)
    }

    static let badValues: [(Field, Double)] = Field.allCases.flatMap { field -> [(Field, Double)] in
        let overLimit = field.isDuration ? Double(DependencySettings.maximumDuration.components.seconds) * 1000 + 1 : 1.000_001
        return [-1, -0.000_001, .nan, .infinity, -.infinity, overLimit].map { (field, $0) }
    }

    @Test("a value out of range names its field and changes nothing", arguments: badValues)
    func outOfRange(field: Field, value: Double) throws {
        let control = DependencyControl(Self.changed)
        let error = #expect(throws: InvalidDependencySetting.self) {
            // A valid change in the same update is dropped with the bad one.
            try control.update {
                try $0.set(field == .stockValidatorFailureRate ? .inventoryFailureRate : .stockValidatorFailureRate, to: 0.75)
                try $0.set(field, to: value)
            }
        }
        #expect(error?.field == field)
        #expect(control.current == Self.changed)
    }

    @Test("replacing with settings out of range throws and changes nothing")
    func replaceValidates() {
        let control = DependencyControl()
        var bad = Self.changed
        bad.inventoryCacheTTL = .seconds(-1)
        let error = #expect(throws: InvalidDependencySetting.self) { try control.replace(with: bad) }
        #expect(error?.field == .inventoryCacheTTL)
        #expect(control.current == DependencySettings())
    }

    @Test("the ends of each range are accepted", arguments: Field.allCases)
    func boundaries(field: Field) throws {
        let control = DependencyControl()
        let top = field.isDuration ? Double(DependencySettings.maximumDuration.components.seconds) * 1000 : 1
        for value in [0, top] {
            try control.update { try $0.set(field, to: value) }
            #expect(control.current[field] == value)
        }
    }

    @Test("reset restores the start-up settings")
    func reset() throws {
        let control = DependencyControl(Self.changed)
        try control.replace(with: DependencySettings())
        let change = control.reset()
        #expect(control.current == Self.changed)
        #expect(change.previous == DependencySettings())
        #expect(change.changedFields == Field.allCases)
    }

    @Test("start-up values out of range are clamped, as the configuration's always were")
    func startupClamped() {
        let control = DependencyControl(DependencySettings(
            inventoryLatency: .seconds(-1), inventoryFailureRate: .nan, inventoryCacheTTL: .seconds(200_000),
            stockValidatorFailureRate: 2
        ))
        #expect(control.startup.inventoryLatency == .zero)
        #expect(control.startup.inventoryFailureRate == 0)
        #expect(control.startup.inventoryCacheTTL == DependencySettings.maximumDuration)
        #expect(control.startup.stockValidatorFailureRate == 1)
        #expect(control.current == control.startup)
    }

    @Test("readers never see a mix of two versions while a writer alternates between them")
    func readersSeeWholeVersions() throws {
        let control = DependencyControl()
        let versions = [DependencySettings(), Self.changed]
        let writerDone = Atomic(false)
        let torn = Atomic(0)
        let reads = Atomic(0)
        let readers = 3
        let finished = DispatchSemaphore(value: 0)
        // Threads of their own: each reader waits for the writer, so they must run at once.
        for _ in 0..<readers {
            Thread {
                var count = 0
                // Bounded: the writer's rounds end, and so does this loop.
                while !writerDone.load(ordering: .acquiring) || count < 1_000 {
                    let seen = control.current
                    if seen != versions[0] && seen != versions[1] {
                        torn.add(1, ordering: .relaxed)
                    }
                    count += 1
                }
                reads.add(count, ordering: .relaxed)
                finished.signal()
            }.start()
        }
        for round in 0..<100_000 {
            _ = try? control.replace(with: versions[round % 2])
        }
        writerDone.store(true, ordering: .releasing)
        for _ in 0..<readers { finished.wait() }
        #expect(torn.load(ordering: .relaxed) == 0)
        #expect(reads.load(ordering: .relaxed) >= readers * 1_000)
    }

    @Test("the failure draws are one seeded stream, which rates of 0 and 1 do not advance")
    func deterministicDraws() async {
        func outcomes(_ validator: StockValidator, _ count: Int) async -> [Bool] {
            var failed: [Bool] = []
            for _ in 0..<count {
                do {
                    _ = try await validator.validate([])
                    failed.append(false)
                } catch {
                    failed.append(true)
                }
            }
            return failed
        }
        let steady = StockValidator(latency: .zero, failureRate: 0.3, seed: 7, sleeper: ForbiddenSleeper())
        let changed = StockValidator(latency: .zero, failureRate: 0.3, seed: 7, sleeper: ForbiddenSleeper())
        let expected = await outcomes(steady, 1_000)
        var seen = await outcomes(changed, 500)
        for rate in [0.0, 1.0] {
            try? changed.dependencies.update { $0.stockValidatorFailureRate = rate }
            #expect(await outcomes(changed, 10) == Array(repeating: rate == 1, count: 10))
        }
        try? changed.dependencies.update { $0.stockValidatorFailureRate = 0.3 }
        seen += await outcomes(changed, 500)
        #expect(seen == expected)
        #expect(expected.contains(true) && expected.contains(false))
    }
}

@Suite("The order service under changed dependency settings")
struct ChangedDependencyTests {
    @Test("a stock latency set at run time makes the next request wait, and reset ends it")
    func stockLatency() async throws {
        let sleeper = RecordingSleeper()
        let service = OrderService(configuration: .small(), sleeper: sleeper)
        _ = try await service.mapOrders(ids: [1, 2])
        #expect(sleeper.recorded.isEmpty)

        try service.dependencies.update { try $0.set(.stockValidatorLatency, to: 40) }
        let map = try await service.mapOrders(ids: [1, 2, 99_999])
        #expect(map.orders.map(\.id) == [1, 2])
        #expect(sleeper.recorded == [.milliseconds(40), .milliseconds(40)])

        service.dependencies.reset()
        _ = try await service.mapOrders(ids: [1, 2])
        #expect(sleeper.recorded.count == 2)
    }

    @Test("a failure rate of 1 set at run time fails the next request with the dependency's error",
          arguments: [DependencySettings.Field.inventoryFailureRate, .stockValidatorFailureRate],
          [Duration.zero, .milliseconds(1)])
    func failureRate(field: DependencySettings.Field, latency: Duration) async throws {
        let service = OrderService(configuration: .small { $0.stockValidatorLatency = latency }, sleeper: RecordingSleeper())
        _ = try await service.mapOrders(ids: [1])
        try service.dependencies.update {
            try $0.set(field, to: 1)
            $0.inventoryCacheTTL = .zero  // every read reaches the inventory source
        }
        let error = await #expect(throws: DependencyError.self) { try await service.mapOrders(ids: [1]) }
        #expect(error?.dependency == (field == .inventoryFailureRate ? .inventory : .stockValidator))
        service.dependencies.reset()
        #expect(try await service.mapOrders(ids: [1]).orders.count == 1)
    }

    @Test("the slow-inventory fault waits the latency in force")
    func slowInventoryLatency() async throws {
        let sleeper = RecordingSleeper()
        let service = OrderService(configuration: .small(), sleeper: sleeper, faults: Faults(enabled: [.slowInventory]))
        try service.dependencies.update { try $0.set(.slowInventoryLatency, to: 7) }
        _ = try await service.mapOrders(ids: [1])
        #expect(sleeper.recorded == [.milliseconds(7)])
    }

    @Test("a request keeps the settings it started with")
    func requestKeepsItsSettings() async throws {
        let sleeper = GateSleeper()
        let service = OrderService(configuration: .small { $0.stockValidatorLatency = .milliseconds(250) }, sleeper: sleeper)
        let task = Task { try await service.mapOrders(ids: [4, 2]) }
        #expect(try await eventually { sleeper.waitingCount == 2 })
        // Failing from now on: the request parked in the validator started before.
        try service.dependencies.update { $0.stockValidatorFailureRate = 1 }
        sleeper.open()
        #expect(try await task.value.orders.map(\.id) == [4, 2])
        await #expect(throws: DependencyError.self) { try await service.mapOrders(ids: [4]) }
    }
}
