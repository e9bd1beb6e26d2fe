/// A stand-in for a remote stock-validation service: are all items of an order in stock?
///
/// Each call waits the settings' `stockValidatorLatency` through the ``Sleeper`` and then
/// fails with probability `stockValidatorFailureRate`, both read from its
/// ``DependencyControl``, so that they can change while the service runs.
public final class StockValidator: Sendable {
    /// The settings the validator reads.
    public let dependencies: DependencyControl
    private let failures: FailureInjector
    private let sleeper: any Sleeper

    /// - Parameters:
    ///   - dependencies: the latency and failure rate, shared with the service.
    ///   - seed: seed for failure injection.
    ///   - sleeper: how to wait out the latency.
    public init(dependencies: DependencyControl, seed: UInt64, sleeper: any Sleeper) {
        self.dependencies = dependencies
        self.failures = FailureInjector(seed: seed)
        self.sleeper = sleeper
    }

    /// A validator with settings of its own.
    ///
    /// - Parameters:
    ///   - latency: simulated round-trip time; zero means validation never suspends.
    ///   - failureRate: probability in `0...1` (clamped) that a call throws ``DependencyError``.
    ///   - seed: seed for failure injection.
    ///   - sleeper: how to wait out the latency.
    public convenience init(latency: Duration, failureRate: Double, seed: UInt64, sleeper: any Sleeper) {
        let settings = DependencySettings(stockValidatorLatency: latency, stockValidatorFailureRate: failureRate)
        self.init(dependencies: DependencyControl(settings), seed: seed, sleeper: sleeper)
    }

    /// The simulated round-trip time of one validation, now.
    public var latency: Duration {
        self.dependencies.current.stockValidatorLatency
    }

    /// Whether every item is in stock, asked with the settings in force now.
    ///
    /// - Throws: ``DependencyError`` when the call fails, and whatever the sleeper throws.
    public func validate(_ items: some Sequence<MappedOrder.Item>) async throws -> Bool {
        try await self.validate(items, settings: self.dependencies.current)
    }

    /// Validates with the settings a request read when it started.
    func validate(_ items: some Sequence<MappedOrder.Item>, settings: DependencySettings) async throws -> Bool {
        if settings.stockValidatorLatency > .zero {
            try await self.sleeper.sleep(for: settings.stockValidatorLatency)
        }
        return try self.respond(items, failureRate: settings.stockValidatorFailureRate)
    }

    /// Validates without suspending, ignoring any latency: only for a request whose settings
    /// have none (``DependencySettings/dependenciesSuspend``).
    func validateWithoutSuspending(_ items: some Sequence<MappedOrder.Item>, settings: DependencySettings) throws -> Bool {
        try self.respond(items, failureRate: settings.stockValidatorFailureRate)
    }

    private func respond(_ items: some Sequence<MappedOrder.Item>, failureRate: Double) throws -> Bool {
        if self.failures.shouldFail(rate: failureRate) {
            throw DependencyError(dependency: .stockValidator, message: "stock validator unavailable")
        }
        return items.allSatisfy(\.inStock)
    }
}
