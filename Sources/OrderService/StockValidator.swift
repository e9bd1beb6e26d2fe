/// A stand-in for a remote stock-validation service: are all items of an order in stock?
///
/// Each call waits `latency` through the ``Sleeper`` and then fails with probability
/// `failureRate`.
public final class StockValidator: Sendable {
    /// The simulated round-trip time of one validation.
    public let latency: Duration
    private let failures: FailureInjector
    private let sleeper: any Sleeper

    /// - Parameters:
    ///   - latency: simulated round-trip time; zero means validation never suspends.
    ///   - failureRate: probability in `0...1` that a call throws ``DependencyError``.
    ///   - seed: seed for failure injection.
    ///   - sleeper: how to wait out the latency.
    public init(latency: Duration, failureRate: Double, seed: UInt64, sleeper: any Sleeper) {
        self.latency = latency
        self.failures = FailureInjector(rate: failureRate, seed: seed)
        self.sleeper = sleeper
    }

    /// Whether every item is in stock.
    ///
    /// - Throws: ``DependencyError`` when the call fails, and whatever the sleeper throws.
    public func validate(_ items: some Sequence<MappedOrder.Item>) async throws -> Bool {
        if self.latency > .zero {
            try await self.sleeper.sleep(for: self.latency)
        }
        return try self.respond(items)
    }

    /// Validates without suspending. Only for a validator with zero latency.
    func validateWithoutSuspending(_ items: some Sequence<MappedOrder.Item>) throws -> Bool {
        assert(self.latency <= .zero, "a validator with latency must be called through validate(_:)")
        return try self.respond(items)
    }

    private func respond(_ items: some Sequence<MappedOrder.Item>) throws -> Bool {
        if self.failures.shouldFail() {
            throw DependencyError(dependency: .stockValidator, message: "stock validator unavailable")
        }
        return items.allSatisfy(\.inStock)
    }
}
