/// Sizes of the seeded data and behaviour of the stand-in remote systems.
///
/// The defaults give a fast, healthy service. A load test raises the latencies and
/// failure rates to push the service into the slow and failing states of the incident.
/// Those dependency fields are only where ``OrderService/dependencies`` starts
/// (``DependencySettings``), and they can change while the service runs.
public struct OrderServiceConfiguration: Sendable {
    /// Number of seeded orders, with ids `1...orderCount`.
    public var orderCount = 10_000
    /// Number of seeded users, with ids `1...userCount`. Must be at least 1 when there are orders.
    public var userCount = 1_000
    /// Number of seeded SKUs. Must be at least 1 when there are orders.
    public var skuCount = 500
    /// Seed for the seeded data and for failure injection.
    public var seed: UInt64 = 42
    /// Latency of the slow inventory source behind the cache, paid on every cache miss.
    public var inventorySourceLatency: Duration = .zero
    /// Probability, in `0...1`, that a call to the inventory source fails.
    public var inventoryFailureRate: Double = 0
    /// How long the inventory cache keeps an entry. Zero or less disables caching.
    public var inventoryCacheTTL: Duration = .seconds(5)
    /// Latency of the stock validator, paid once per found order.
    public var stockValidatorLatency: Duration = .zero
    /// Probability, in `0...1`, that a call to the stock validator fails.
    public var stockValidatorFailureRate: Double = 0
    /// Extra wait per inventory-cache read while the fault `slow-inventory` is on.
    public var slowInventoryLatency: Duration = .milliseconds(50)

    public init() {}
}
