import Synchronization

/// The stand-in remote systems' settings, replaced while the service runs
/// (`POST /debug/dependencies` on the admin listener) and read by every order-map request.
///
/// Readers see all of one version of the settings, never a mix of two. Each request reads
/// once (``current``), and the read is cheap on purpose: a sequence lock over plain atomic
/// words. A reader loads the sequence, the six words and the sequence again, with no lock
/// and no write, so the loops reading at once never pass a cache line between them.
/// Writers are rare and take a `Mutex`; while one is publishing (the sequence is odd, or
/// moved during the read), a reader takes that mutex and copies the settings it guards
/// instead of spinning. Spinning could wait out a writer descheduled mid-write: the admin
/// listener that writes runs under `SCHED_IDLE`, the readers do not.
public final class DependencyControl: Sendable {
    /// The settings the service started with, which ``reset()`` restores.
    public let startup: DependencySettings
    /// The settings in force, the one authority; writers publish under this lock.
    private let published: Mutex<DependencySettings>

    // The sequence lock. Odd while a writer is storing the words. Durations are whole
    // nanoseconds (at most a day, so they fit), rates their bit patterns. The fields above
    // keep these words off the cache line of the object's reference count.
    private let sequence = Atomic<UInt64>(0)
    private let inventoryLatency: Atomic<Int64>
    private let inventoryFailureRate: Atomic<UInt64>
    private let inventoryCacheTTL: Atomic<Int64>
    private let slowInventoryLatency: Atomic<Int64>
    private let stockValidatorLatency: Atomic<Int64>
    private let stockValidatorFailureRate: Atomic<UInt64>
    // Keeps the next allocation, which may be written often, off the words' last line.
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// A control starting at `startup`, clamped into range (``DependencySettings/clamped()``),
    /// the values that ``reset()`` restores.
    public init(_ startup: DependencySettings = DependencySettings()) {
        let startup = startup.clamped().normalized()
        self.startup = startup
        self.published = Mutex(startup)
        self.inventoryLatency = Atomic(startup.inventoryLatency.nanoseconds)
        self.inventoryFailureRate = Atomic(startup.inventoryFailureRate.bitPattern)
        self.inventoryCacheTTL = Atomic(startup.inventoryCacheTTL.nanoseconds)
        self.slowInventoryLatency = Atomic(startup.slowInventoryLatency.nanoseconds)
        self.stockValidatorLatency = Atomic(startup.stockValidatorLatency.nanoseconds)
        self.stockValidatorFailureRate = Atomic(startup.stockValidatorFailureRate.bitPattern)
    }

    /// The settings in force now: all of one version, with no lock unless a writer is
    /// publishing at this moment.
    public var current: DependencySettings {
        // Boehm's sequence-lock reader: an acquiring load of the sequence, relaxed loads of
        // the data, an acquiring fence, and the sequence again.
        let before = self.sequence.load(ordering: .acquiring)
        let inventoryLatency = self.inventoryLatency.load(ordering: .relaxed)
        let inventoryFailureRate = self.inventoryFailureRate.load(ordering: .relaxed)
        let inventoryCacheTTL = self.inventoryCacheTTL.load(ordering: .relaxed)
        let slowInventoryLatency = self.slowInventoryLatency.load(ordering: .relaxed)
        let stockValidatorLatency = self.stockValidatorLatency.load(ordering: .relaxed)
        let stockValidatorFailureRate = self.stockValidatorFailureRate.load(ordering: .relaxed)
        atomicMemoryFence(ordering: .acquiring)
        guard before & 1 == 0, self.sequence.load(ordering: .relaxed) == before else {
            return self.settingsUnderLock()
        }
        return DependencySettings(
            inventoryLatency: .nanoseconds(inventoryLatency),
            inventoryFailureRate: Double(bitPattern: inventoryFailureRate),
            inventoryCacheTTL: .nanoseconds(inventoryCacheTTL),
            slowInventoryLatency: .nanoseconds(slowInventoryLatency),
            stockValidatorLatency: .nanoseconds(stockValidatorLatency),
            stockValidatorFailureRate: Double(bitPattern: stockValidatorFailureRate)
        )
    }

    @inline(never)
    private func settingsUnderLock() -> DependencySettings {
        self.published.withLock { $0 }
    }

    /// Changes the settings in force: `change` edits a copy of the current ones, the result
    /// is validated, and only then does it replace them, all at once. Nothing changes when
    /// `change` or the validation throws. Concurrent updates apply one after another.
    ///
    /// Requests already running keep the settings they read when they started.
    ///
    /// - Throws: what `change` throws, or ``InvalidDependencySetting`` naming a field
    ///   out of range.
    @discardableResult
    public func update(_ change: (inout DependencySettings) throws -> Void) throws -> DependencyChange {
        try self.published.withLock { published in
            var next = published
            try change(&next)
            try next.validate()
            let previous = published
            next = next.normalized()
            self.publish(next)
            published = next
            return DependencyChange(previous: previous, current: next)
        }
    }

    /// Replaces every setting with `settings`, validated first.
    ///
    /// - Throws: ``InvalidDependencySetting`` naming a field out of range; nothing changes.
    @discardableResult
    public func replace(with settings: DependencySettings) throws -> DependencyChange {
        try self.update { $0 = settings }
    }

    /// Restores the start-up settings.
    @discardableResult
    public func reset() -> DependencyChange {
        // The start-up settings were clamped into range, so this cannot throw.
        self.published.withLock { published in
            let previous = published
            self.publish(self.startup)
            published = self.startup
            return DependencyChange(previous: previous, current: self.startup)
        }
    }

    /// Stores `settings` into the words. Called with `published` locked, so one writer at a time.
    private func publish(_ settings: DependencySettings) {
        // Boehm's writer: the sequence goes odd, a releasing fence, relaxed stores, and a
        // releasing store of the next even sequence.
        let sequence = self.sequence.load(ordering: .relaxed)
        self.sequence.store(sequence &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        self.inventoryLatency.store(settings.inventoryLatency.nanoseconds, ordering: .relaxed)
        self.inventoryFailureRate.store(settings.inventoryFailureRate.bitPattern, ordering: .relaxed)
        self.inventoryCacheTTL.store(settings.inventoryCacheTTL.nanoseconds, ordering: .relaxed)
        self.slowInventoryLatency.store(settings.slowInventoryLatency.nanoseconds, ordering: .relaxed)
        self.stockValidatorLatency.store(settings.stockValidatorLatency.nanoseconds, ordering: .relaxed)
        self.stockValidatorFailureRate.store(settings.stockValidatorFailureRate.bitPattern, ordering: .relaxed)
        self.sequence.store(sequence &+ 2, ordering: .releasing)
    }
}

/// What one update did: the settings before and after it.
public struct DependencyChange: Sendable, Equatable {
    /// The settings replaced.
    public var previous: DependencySettings
    /// The settings now in force.
    public var current: DependencySettings

    /// The fields whose values changed, in declaration order.
    public var changedFields: [DependencySettings.Field] {
        self.current.fieldsDiffering(from: self.previous)
    }
}

extension DependencySettings {
    /// The same settings with durations rounded to the nanosecond, as the control keeps them,
    /// so that what an update returns is exactly what later reads give.
    func normalized() -> DependencySettings {
        var normalized = self
        normalized.inventoryLatency = .nanoseconds(self.inventoryLatency.nanoseconds)
        normalized.inventoryCacheTTL = .nanoseconds(self.inventoryCacheTTL.nanoseconds)
        normalized.slowInventoryLatency = .nanoseconds(self.slowInventoryLatency.nanoseconds)
        normalized.stockValidatorLatency = .nanoseconds(self.stockValidatorLatency.nanoseconds)
        return normalized
    }
}

extension Duration {
    /// Whole nanoseconds, rounded down; only for durations of at most a day (validated).
    var nanoseconds: Int64 {
        self.components.seconds * 1_000_000_000 + self.components.attoseconds / 1_000_000_000
    }
}
