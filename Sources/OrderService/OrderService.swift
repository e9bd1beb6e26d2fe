/// The order domain: seeded orders, users and SKUs, an inventory cache in front of a slow
/// inventory source, and a stock validator.
///
/// All state is immutable, atomic or behind a lock, so one instance serves every event loop.
public final class OrderService: Sendable {
    /// The configuration the service was built with; its dependency settings are the
    /// start-up values of ``dependencies``.
    public let configuration: OrderServiceConfiguration
    /// The seeded data.
    public let store: OrderStore
    /// The cache in front of the inventory source.
    public let inventory: InventoryCache<ContinuousClock>
    /// The stock validator.
    public let stockValidator: StockValidator
    /// The stand-in remote systems' latencies, failure rates and cache TTL, which the
    /// inventory source, the cache and the validator share and the admin listener changes
    /// while the service runs. Each request reads them once, when it starts.
    public let dependencies: DependencyControl
    /// The incident switches.
    public let faults: Faults
    /// Starts the stock-validation children (registered with the server's task registry).
    let childTasks: any ChildTaskStarter
    let sleeper: any Sleeper

    /// Seeds the data and builds the stand-in remote systems.
    ///
    /// - Parameters:
    ///   - configuration: sizes, seed, and the start-up latencies and failure rates
    ///     (clamped into their ranges: ``DependencySettings/clamped()``).
    ///   - sleeper: how the stand-in remote systems wait out their latency.
    /// - Precondition: see ``OrderStore/init(seededBy:)``.
    ///   - faults: the incident switches, shared with the admin endpoint that flips them.
    ///   - childTasks: how child tasks are started, so that a task registry can list them.
    public init(configuration: OrderServiceConfiguration, sleeper: any Sleeper, faults: Faults = Faults(),
                childTasks: any ChildTaskStarter = PlainChildTaskStarter()) {
        self.configuration = configuration
        self.faults = faults
        self.childTasks = childTasks
        self.sleeper = sleeper
        self.store = OrderStore(seededBy: configuration)
        let dependencies = DependencyControl(DependencySettings(configuration))
        self.dependencies = dependencies
        let source = InventorySource(
            catalog: self.store.skus,
            dependencies: dependencies,
            seed: configuration.seed ^ 0x494E_5645_4E54_4F52,
            sleeper: sleeper
        )
        self.inventory = InventoryCache(source: source)
        self.stockValidator = StockValidator(
            dependencies: dependencies,
            seed: configuration.seed ^ 0x5354_4F43_4B56_414C,
            sleeper: sleeper
        )
    }

    /// Hit and miss counters of the inventory cache.
    public var inventoryCacheStatistics: InventoryCacheStatistics {
        self.inventory.statistics
    }

    /// The user with exactly this name (names are lowercase), or `nil` when there is none.
    ///
    /// Asynchronous and throwing so that a remote user store can replace the in-memory
    /// one without changing callers; today it neither suspends nor throws.
    nonisolated(nonsending) public func fetchUser(name: String) async throws -> User? {
        self.store.user(named: name)
    }
}
