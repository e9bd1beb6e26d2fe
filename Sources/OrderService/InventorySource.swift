/// A stand-in for a slow, unreliable remote inventory system.
///
/// Each fetch waits `latency` through the ``Sleeper`` and then fails with probability
/// `failureRate`. It is meant to sit behind an ``InventoryCache``.
public final class InventorySource: Sendable {
    /// The simulated round-trip time of one fetch.
    public let latency: Duration
    private let records: [SKU.ID: InventoryRecord]
    private let failures: FailureInjector
    private let sleeper: any Sleeper

    /// - Parameters:
    ///   - catalog: the SKUs that the remote system knows.
    ///   - latency: simulated round-trip time; zero means fetches never suspend.
    ///   - failureRate: probability in `0...1` that a fetch throws ``DependencyError``.
    ///   - seed: seed for failure injection.
    ///   - sleeper: how to wait out the latency.
    public init(catalog: [SKU], latency: Duration, failureRate: Double, seed: UInt64, sleeper: any Sleeper) {
        var records = [SKU.ID: InventoryRecord](minimumCapacity: catalog.count)
        for sku in catalog {
            records[sku.id] = InventoryRecord(sku)
        }
        self.records = records
        self.latency = latency
        self.failures = FailureInjector(rate: failureRate, seed: seed)
        self.sleeper = sleeper
    }

    /// Fetches the current record for `sku` from the remote system.
    ///
    /// - Throws: ``DependencyError`` when the call fails or the SKU is unknown, and
    ///   whatever the sleeper throws (such as `CancellationError`).
    public func fetch(_ sku: SKU.ID) async throws -> InventoryRecord {
        if self.latency > .zero {
            try await self.sleeper.sleep(for: self.latency)
        }
        return try self.respond(sku)
    }

    /// Fetches without suspending. Only for a source with zero latency.
    func fetchWithoutSuspending(_ sku: SKU.ID) throws -> InventoryRecord {
        assert(self.latency <= .zero, "a source with latency must be called through fetch(_:)")
        return try self.respond(sku)
    }

    private func respond(_ sku: SKU.ID) throws -> InventoryRecord {
        if self.failures.shouldFail() {
            throw DependencyError(dependency: .inventory, message: "inventory source unavailable")
        }
        guard let record = self.records[sku] else {
            throw DependencyError(dependency: .inventory, message: "inventory source has no record of \(sku)")
        }
        return record
    }
}
