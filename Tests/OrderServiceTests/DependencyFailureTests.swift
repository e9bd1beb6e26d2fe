import OrderService
import Testing

@Suite("Failure injection")
struct DependencyFailureTests {
    enum Failing: String, CaseIterable, CustomTestStringConvertible {
        case inventory, stockValidator

        var dependency: DependencyError.Dependency {
            switch self {
            case .inventory: .inventory
            case .stockValidator: .stockValidator
            }
        }

        var testDescription: String { self.rawValue }

        func configuration(rate: Double, latency: Duration) -> OrderServiceConfiguration {
            .small {
                switch self {
                case .inventory:
                    $0.inventoryFailureRate = rate
                    $0.inventorySourceLatency = latency
                case .stockValidator:
                    $0.stockValidatorFailureRate = rate
                    $0.stockValidatorLatency = latency
                }
            }
        }
    }

    @Test("a failure rate of 1 always fails", arguments: Failing.allCases, [Duration.zero, .milliseconds(1)])
    func alwaysFails(failing: Failing, latency: Duration) async throws {
        let service = OrderService(
            configuration: failing.configuration(rate: 1, latency: latency),
            sleeper: RecordingSleeper()
        )
        for _ in 0..<20 {
            let error = await #expect(throws: DependencyError.self) { try await service.mapOrders(ids: [1, 2, 3]) }
            #expect(error?.dependency == failing.dependency)
        }
        // Only found orders reach the dependencies.
        let map = try await service.mapOrders(ids: [0, 99_999])
        #expect(map.notFound == [0, 99_999])
    }

    @Test("a failure rate of 0 never fails", arguments: Failing.allCases, [Duration.zero, .milliseconds(1)])
    func neverFails(failing: Failing, latency: Duration) async throws {
        let service = OrderService(
            configuration: failing.configuration(rate: 0, latency: latency),
            sleeper: RecordingSleeper()
        )
        for start in stride(from: 1, through: 200, by: 10) {
            let map = try await service.mapOrders(ids: Array(start..<(start + 10)))
            #expect(map.orders.count == 10)
        }
    }

    @Test("failures happen at about the configured rate", arguments: [0.01, 0.25, 0.5, 0.9])
    func rate(rate: Double) async {
        let validator = StockValidator(latency: .zero, failureRate: rate, seed: 7, sleeper: ForbiddenSleeper())
        let draws = 100_000
        var failures = 0
        for _ in 0..<draws {
            do {
                _ = try await validator.validate([])
            } catch {
                failures += 1
            }
        }
        #expect(abs(Double(failures) / Double(draws) - rate) < 0.01)
    }

    @Test(
        "rates outside 0...1 are clamped",
        arguments: [(-1, false), (.nan, false), (2, true), (.infinity, true)] as [(Double, Bool)]
    )
    func clamped(rate: Double, fails: Bool) async {
        let source = InventorySource(
            catalog: OrderStore(seededBy: .small()).skus,
            latency: .zero,
            failureRate: rate,
            seed: 7,
            sleeper: ForbiddenSleeper()
        )
        for _ in 0..<100 {
            let failed: Bool
            do {
                _ = try await source.fetch(SKU.ID(1))
                failed = false
            } catch {
                failed = true
            }
            #expect(failed == fails)
        }
    }

    @Test("concurrent requests with a 50% failure rate see both outcomes and no other errors")
    func concurrentFailures() async throws {
        let service = OrderService(
            configuration: .small {
                $0.inventoryFailureRate = 0.5
                $0.inventoryCacheTTL = .zero  // every lookup reaches the source
            },
            sleeper: ForbiddenSleeper()
        )
        let (successes, failures) = try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var succeeded = 0
                    for request in 0..<250 {
                        do {
                            _ = try await service.mapOrders(ids: [(task * 250 + request) % 200 + 1])
                            succeeded += 1
                        } catch is DependencyError {
                        }
                    }
                    return succeeded > 0 && succeeded < 250
                }
            }
            var mixed = 0
            for try await sawBoth in group where sawBoth {
                mixed += 1
            }
            return (mixed, 8 - mixed)
        }
        #expect(successes == 8)
        #expect(failures == 0)
    }

    @Test("the error names its dependency")
    func errorDescription() {
        #expect(DependencyError.Dependency.inventory.description == "inventory")
        #expect(DependencyError.Dependency.stockValidator.description == "stock-validator")
        let error = DependencyError(dependency: .stockValidator, message: "stock validator unavailable")
        #expect(error.description == "stock-validator: stock validator unavailable")
    }
}
