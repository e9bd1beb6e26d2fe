/// A stand-in for a slow, unreliable remote inventory system.
///
/// Each fetch waits the settings' `inventoryLatency` through the ``Sleeper`` and then fails
/// with probability `inventoryFailureRate`, both read from its ``DependencyControl``, so
/// that they can change while the service runs. It is meant to sit behind an
/// ``InventoryCache``, which reads its time to live from the same control.
public final class InventorySource: Sendable {
    /// The settings the source (and a cache in front of it) reads.
    public let dependencies: DependencyControl
    private let records: [SKU.ID: InventoryRecord]
    private let failures: FailureInjector
    private let sleeper: any Sleeper

    /// - Parameters:
    ///   - catalog: the SKUs that the remote system knows.
    ///   - dependencies: the latency, failure rate and cache TTL, shared with the service.
    ///   - seed: seed for failure injection.
    ///   - sleeper: how to wait out the latency.
    public init(catalog: [SKU], dependencies: DependencyControl, seed: UInt64, sleeper: any Sleeper) {
        var records = [SKU.ID: InventoryRecord](minimumCapacity: catalog.count)
        for sku in catalog {
            records[sku.id] = InventoryRecord(sku)
        }
        self.records = records
        self.dependencies = dependencies
        self.failures = FailureInjector(seed: seed)
        self.sleeper = sleeper
    }

    /// A source with settings of its own.
    ///
    /// - Parameters:
    ///   - catalog: the SKUs that the remote system knows.
    ///   - latency: simulated round-trip time; zero means fetches never suspend.
    ///   - failureRate: probability in `0...1` (clamped) that a fetch throws ``DependencyError``.
    ///   - seed: seed for failure injection.
    ///   - sleeper: how to wait out the latency.
    public convenience init(catalog: [SKU], latency: Duration, failureRate: Double, seed: UInt64, sleeper: any Sleeper) {
        let settings = DependencySettings(inventoryLatency: latency, inventoryFailureRate: failureRate)
        self.init(catalog: catalog, dependencies: DependencyControl(settings), seed: seed, sleeper: sleeper)
    }

    /// The simulated round-trip time of one fetch, now.
    public var latency: Duration {
        self.dependencies.current.inventoryLatency
    }

    /// Fetches the current record for `sku` from the remote system, with the settings in
    /// force now.
    ///
    /// - Throws: ``DependencyError`` when the call fails or the SKU is unknown, and
    ///   whatever the sleeper throws (such as `CancellationError`).
    public func fetch(_ sku: SKU.ID) async throws -> InventoryRecord {
        try await self.fetch(sku, settings: self.dependencies.current)
    }

    /// Fetches with the settings a request read when it started.
    func fetch(_ sku: SKU.ID, settings: DependencySettings) async throws -> InventoryRecord {
        if settings.inventoryLatency > .zero {
            try await self.sleeper.sleep(for: settings.inventoryLatency)
        }
        return try self.respond(sku, failureRate: settings.inventoryFailureRate)
    }

    /// Fetches without suspending, ignoring any latency: only for a request whose settings
    /// have none (``DependencySettings/dependenciesSuspend``).
    func fetchWithoutSuspending(_ sku: SKU.ID, settings: DependencySettings) throws -> InventoryRecord {
        try self.respond(sku, failureRate: settings.inventoryFailureRate)
    }

    private func respond(_ sku: SKU.ID, failureRate: Double) throws -> InventoryRecord {
        if self.failures.shouldFail(rate: failureRate) {
            throw DependencyError(dependency: .inventory, message: "inventory source unavailable")
        }
        guard let record = self.records[sku] else {
            throw DependencyError(dependency: .inventory, message: "inventory source has no record of \(sku)")
        }
        return record
    }
}
