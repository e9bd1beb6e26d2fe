import OrderService
import Testing

@Suite("Latency through the sleeper")
struct LatencyTests {
    @Test("with zero latency nothing sleeps")
    func zeroLatency() async throws {
        let sleeper = RecordingSleeper()
        let service = OrderService(configuration: .small(), sleeper: sleeper)
        _ = try await service.mapOrders(ids: Array(1...50))
        #expect(sleeper.recorded.isEmpty)
    }

    @Test("with zero latency mapOrders runs to completion without suspending")
    func zeroLatencyDoesNotSuspend() async throws {
        guard #available(macOS 26, *) else { return }
        let service = OrderService(configuration: .small(), sleeper: ForbiddenSleeper())
        let finished = Flag()
        // An immediate task runs inline until its first suspension, so the flag is set
        // before `Task.immediate` returns only if mapOrders never suspended.
        let task = Task.immediate {
            let map = try await service.mapOrders(ids: [1, 2, 99_999, 3])
            finished.set()
            return map
        }
        #expect(finished.isSet)
        #expect(try await task.value.orders.count == 3)
    }

    @Test("the stock validator sleeps once per found order, and callers really wait")
    func validatorSuspends() async throws {
        let sleeper = GateSleeper()
        let service = OrderService(
            configuration: .small { $0.stockValidatorLatency = .milliseconds(250) },
            sleeper: sleeper
        )
        let finished = Flag()
        let task = Task {
            defer { finished.set() }
            return try await service.mapOrders(ids: [4, 0, 2, 9])
        }
        // All three found orders are validated concurrently, so all three are parked at once.
        #expect(try await eventually { sleeper.waitingCount == 3 })
        #expect(!finished.isSet)
        sleeper.open()
        let map = try await task.value
        #expect(map.orders.map(\.id) == [4, 2, 9])
        #expect(map.notFound == [0])
        #expect(sleeper.recorded == Array(repeating: .milliseconds(250), count: 3))
    }

    @Test("the inventory source sleeps on misses only")
    func inventorySleepsOnMisses() async throws {
        let sleeper = RecordingSleeper()
        let service = OrderService(
            // A TTL far beyond the test's run time: a starved test runner must not expire entries.
            configuration: .small {
                $0.inventorySourceLatency = .milliseconds(30)
                $0.inventoryCacheTTL = .seconds(3600)
            },
            sleeper: sleeper
        )
        let order = try #require(service.store.order(id: 1))
        _ = try await service.mapOrders(ids: [1])
        #expect(sleeper.recorded == Array(repeating: .milliseconds(30), count: order.items.count))
        _ = try await service.mapOrders(ids: [1])
        #expect(sleeper.recorded.count == order.items.count)
        #expect(service.inventoryCacheStatistics.hits == order.items.count)
    }

    @Test("cancellation from the sleeper ends the request")
    func cancellation() async throws {
        let service = OrderService(
            configuration: .small { $0.stockValidatorLatency = .seconds(60) },
            sleeper: TaskSleeper()
        )
        let task = Task { try await service.mapOrders(ids: [1, 2]) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
