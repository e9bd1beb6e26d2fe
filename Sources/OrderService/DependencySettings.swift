/// The stand-in remote systems' behaviour: latencies, failure rates, the inventory cache's
/// time to live, and the `slow-inventory` fault's extra wait.
///
/// A value, so that a request reads all of it at once from a ``DependencyControl`` and uses
/// that copy throughout: it never sees half of a change.
public struct DependencySettings: Sendable, Hashable {
    /// Latency of the inventory source behind the cache, paid on every cache miss.
    public var inventoryLatency: Duration
    /// Probability, in `0...1`, that a call to the inventory source fails.
    public var inventoryFailureRate: Double
    /// How long the inventory cache serves an entry after it was fetched; zero turns caching
    /// off. A change applies to the entries already cached, too.
    public var inventoryCacheTTL: Duration
    /// Extra wait per inventory-cache read while the fault `slow-inventory` is on.
    public var slowInventoryLatency: Duration
    /// Latency of the stock validator, paid once per found order.
    public var stockValidatorLatency: Duration
    /// Probability, in `0...1`, that a call to the stock validator fails.
    public var stockValidatorFailureRate: Double

    /// The longest duration any setting takes: one day.
    public static let maximumDuration: Duration = .seconds(86_400)

    /// Settings with the given values; the defaults are those of ``OrderServiceConfiguration``.
    public init(inventoryLatency: Duration = .zero, inventoryFailureRate: Double = 0,
                inventoryCacheTTL: Duration = .seconds(5), slowInventoryLatency: Duration = .milliseconds(50),
                stockValidatorLatency: Duration = .zero, stockValidatorFailureRate: Double = 0) {
        self.inventoryLatency = inventoryLatency
        self.inventoryFailureRate = inventoryFailureRate
        self.inventoryCacheTTL = inventoryCacheTTL
        self.slowInventoryLatency = slowInventoryLatency
        self.stockValidatorLatency = stockValidatorLatency
        self.stockValidatorFailureRate = stockValidatorFailureRate
    }

    /// The settings a configuration starts with.
    public init(_ configuration: OrderServiceConfiguration) {
        self.init(inventoryLatency: configuration.inventorySourceLatency,
                  inventoryFailureRate: configuration.inventoryFailureRate,
                  inventoryCacheTTL: configuration.inventoryCacheTTL,
                  slowInventoryLatency: configuration.slowInventoryLatency,
                  stockValidatorLatency: configuration.stockValidatorLatency,
                  stockValidatorFailureRate: configuration.stockValidatorFailureRate)
    }

    /// Whether a request under these settings may suspend in a dependency.
    var dependenciesSuspend: Bool {
        self.inventoryLatency > .zero || self.stockValidatorLatency > .zero
    }
}

extension DependencySettings {
    /// One setting, with the name the admin endpoint and the logs give it.
    public enum Field: String, Sendable, CaseIterable, CustomStringConvertible {
        case inventoryLatency = "inventory_latency_ms"
        case inventoryFailureRate = "inventory_failure_rate"
        case inventoryCacheTTL = "inventory_cache_ttl_ms"
        case slowInventoryLatency = "slow_inventory_latency_ms"
        case stockValidatorLatency = "stock_latency_ms"
        case stockValidatorFailureRate = "stock_failure_rate"

        /// The name, such as `stock_latency_ms`: the command-line flag's, with the unit.
        public var name: String { self.rawValue }
        public var description: String { self.rawValue }

        /// The field called `name`, or `nil`.
        public init?(name: String) { self.init(rawValue: name) }

        /// Whether the field is a duration (given in milliseconds) rather than a rate.
        public var isDuration: Bool {
            switch self {
            case .inventoryFailureRate, .stockValidatorFailureRate: false
            default: true
            }
        }

        /// What the field takes, for error messages.
        public var expected: String {
            self.isDuration
                ? "a number of milliseconds from 0 to \(DependencySettings.maximumDuration.wholeMilliseconds)"
                : "a number from 0 to 1"
        }
    }

    /// A field's value as the admin endpoint shows it: milliseconds for durations, the
    /// probability for rates.
    public subscript(field: Field) -> Double {
        switch field {
        case .inventoryLatency: self.inventoryLatency.millisecondsValue
        case .inventoryFailureRate: self.inventoryFailureRate
        case .inventoryCacheTTL: self.inventoryCacheTTL.millisecondsValue
        case .slowInventoryLatency: self.slowInventoryLatency.millisecondsValue
        case .stockValidatorLatency: self.stockValidatorLatency.millisecondsValue
        case .stockValidatorFailureRate: self.stockValidatorFailureRate
        }
    }

    /// Sets a field from the admin endpoint's unit (milliseconds or a probability), after
    /// checking it; nothing changes when it is out of range.
    ///
    /// - Throws: ``InvalidDependencySetting`` naming the field.
    public mutating func set(_ field: Field, to value: Double) throws(InvalidDependencySetting) {
        try Self.check(field, value)
        switch field {
        case .inventoryLatency: self.inventoryLatency = .fromMilliseconds(value)
        case .inventoryFailureRate: self.inventoryFailureRate = value
        case .inventoryCacheTTL: self.inventoryCacheTTL = .fromMilliseconds(value)
        case .slowInventoryLatency: self.slowInventoryLatency = .fromMilliseconds(value)
        case .stockValidatorLatency: self.stockValidatorLatency = .fromMilliseconds(value)
        case .stockValidatorFailureRate: self.stockValidatorFailureRate = value
        }
    }

    /// The fields whose values differ between `self` and `other`, in declaration order.
    public func fieldsDiffering(from other: DependencySettings) -> [Field] {
        Field.allCases.filter { self[$0] != other[$0] }
    }

    /// Checks every field: durations in `0...maximumDuration`, rates in `0...1` (not NaN).
    ///
    /// - Throws: ``InvalidDependencySetting`` naming the first field out of range.
    public func validate() throws(InvalidDependencySetting) {
        for field in Field.allCases {
            try Self.check(field, self[field])
        }
    }

    /// The same settings with every field brought into its range: NaN and negative values
    /// become 0, larger ones the maximum. This is how the stand-ins always treated a
    /// configuration's out-of-range values.
    public func clamped() -> DependencySettings {
        func duration(_ value: Duration) -> Duration { min(max(value, .zero), Self.maximumDuration) }
        func rate(_ value: Double) -> Double { value > 0 ? min(value, 1) : 0 }  // NaN is not > 0
        var clamped = self
        clamped.inventoryLatency = duration(self.inventoryLatency)
        clamped.inventoryFailureRate = rate(self.inventoryFailureRate)
        clamped.inventoryCacheTTL = duration(self.inventoryCacheTTL)
        clamped.slowInventoryLatency = duration(self.slowInventoryLatency)
        clamped.stockValidatorLatency = duration(self.stockValidatorLatency)
        clamped.stockValidatorFailureRate = rate(self.stockValidatorFailureRate)
        return clamped
    }

    private static func check(_ field: Field, _ value: Double) throws(InvalidDependencySetting) {
        let limit = field.isDuration ? Double(Self.maximumDuration.wholeMilliseconds) : 1
        // `contains` is false for NaN.
        guard (0...limit).contains(value) else {
            throw InvalidDependencySetting(field: field, value: value)
        }
    }
}

/// A dependency setting out of its range; nothing was changed.
public struct InvalidDependencySetting: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting.
    public var field: DependencySettings.Field
    /// The value refused, in the field's unit.
    public var value: Double

    public var description: String {
        "\(self.field.name) expects \(self.field.expected); got \(self.value)"
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }

    /// Milliseconds as a number, with the fraction to the nanosecond.
    var millisecondsValue: Double {
        Double(self.components.seconds) * 1000 + Double(self.components.attoseconds / 1_000_000_000) / 1_000_000
    }

    /// A duration of `milliseconds` (at most a day's worth), to the nanosecond.
    static func fromMilliseconds(_ milliseconds: Double) -> Duration {
        .nanoseconds(Int64((milliseconds * 1_000_000).rounded()))
    }
}
