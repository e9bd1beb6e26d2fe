import Synchronization

/// A time-to-live cache in front of an ``InventorySource``.
///
/// Safe to share between threads: the entries and counters sit behind one `Mutex`, which
/// is never held across a suspension. Concurrent misses for the same SKU each go to the
/// source (there is no request coalescing), which is what a simple remote cache does and
/// what makes a slow source visible under load.
///
/// Refresh-ahead: when the source has latency, a read in the last quarter of an entry's
/// life is still served from the cache, and its caller is told (once per entry) to refresh
/// the entry in the background, so that hot SKUs do not all miss at once when they expire.
/// That refresh is the service's example of work meant to outlive the request that
/// started it: the order service spawns it `detached` (see `OrderService.enrich`).
///
/// The time to live is the source's setting (``DependencySettings/inventoryCacheTTL``), so
/// it can change while the service runs; an entry keeps when it was fetched, and a change
/// applies to the entries already cached as well as to new ones.
///
/// The clock is generic so that tests can drive expiry with a manual clock. Inside, times
/// are kept as durations since the cache was created, so that the locked state and the
/// lookups are concrete code rather than generic over the clock.
public final class InventoryCache<C: Clock>: Sendable where C.Duration == Duration {
    /// The source behind the cache.
    public let source: InventorySource
    /// The clock that decides expiry.
    public let clock: C
    private let epoch: C.Instant
    private let state: Mutex<InventoryCacheState>

    /// A cache in front of `source`, serving entries for the time to live in the source's
    /// settings.
    public init(source: InventorySource, clock: C) {
        self.source = source
        self.clock = clock
        self.epoch = clock.now
        self.state = Mutex(InventoryCacheState())
    }

    /// How long an entry is served after it was fetched, now. Zero turns caching off.
    public var ttl: Duration {
        self.source.dependencies.current.inventoryCacheTTL
    }

    /// The record for `sku`: from the cache while fresh, otherwise from the source, with
    /// the settings in force now.
    ///
    /// - Throws: what the source throws; failures are not cached.
    public func record(for sku: SKU.ID) async throws -> InventoryRecord {
        try await self.record(for: sku, at: self.elapsed(), settings: self.source.dependencies.current)
    }

    /// Hit and miss counters and the number of entries.
    public var statistics: InventoryCacheStatistics {
        self.state.withLock { $0.statistics }
    }

    /// Drops every entry; the counters keep counting.
    public func removeAll() {
        self.state.withLock { $0.removeAll() }
    }

    /// The time since the cache was created, by its clock; read once per request.
    func elapsed() -> Duration {
        self.epoch.duration(to: self.clock.now)
    }

    /// Like ``record(for:)``, at a time from ``elapsed()``, with a request's settings.
    func record(for sku: SKU.ID, at now: Duration, settings: DependencySettings) async throws -> InventoryRecord {
        try await self.recordAndRefreshDue(for: sku, at: now, settings: settings).record
    }

    /// The record, and whether the caller should now start ``refresh(_:settings:)`` for it
    /// in the background (true once per entry, in its last quarter, when the source has
    /// latency).
    func recordAndRefreshDue(for sku: SKU.ID, at now: Duration, settings: DependencySettings) async throws
        -> (record: InventoryRecord, refreshDue: Bool) {
        let ttl = settings.inventoryCacheTTL
        let refreshAhead = settings.inventoryLatency > .zero
        if let found = self.state.withLock({ $0.lookup(sku, at: now, ttl: ttl, claimRefresh: refreshAhead) }) {
            return found
        }
        let record = try await self.source.fetch(sku, settings: settings)
        // Expiry counts from when the answer arrived, not from when it was asked for.
        self.store(record, at: refreshAhead ? self.elapsed() : now, ttl: ttl)
        return (record, false)
    }

    /// Fetches `sku` from the source and stores the answer, for a refresh that
    /// ``recordAndRefreshDue(for:at:settings:)`` asked for. On failure the entry keeps
    /// serving until it expires, and the next read in its last quarter may try again.
    public func refresh(_ sku: SKU.ID, settings: DependencySettings) async throws {
        do {
            let record = try await self.source.fetch(sku, settings: settings)
            self.store(record, at: self.elapsed(), ttl: settings.inventoryCacheTTL)
        } catch {
            self.state.withLock { $0.endRefresh(sku) }
            throw error
        }
    }

    /// Like ``record(for:)``, without suspending; only for settings with no latency.
    func recordWithoutSuspending(for sku: SKU.ID, at now: Duration, settings: DependencySettings) throws -> InventoryRecord {
        let ttl = settings.inventoryCacheTTL
        if let record = self.state.withLock({ $0.lookup(sku, at: now, ttl: ttl) }) {
            return record
        }
        let record = try self.source.fetchWithoutSuspending(sku, settings: settings)
        self.store(record, at: now, ttl: ttl)
        return record
    }

    private func store(_ record: InventoryRecord, at now: Duration, ttl: Duration) {
        guard ttl > .zero else { return }
        self.state.withLock { $0.store(record, fetchedAt: now) }
    }
}

extension InventoryCache where C == ContinuousClock {
    /// A cache whose entries expire by the continuous clock.
    public convenience init(source: InventorySource) {
        self.init(source: source, clock: ContinuousClock())
    }
}

/// The locked state of an ``InventoryCache``.
///
/// SKU numbers are small and dense, so entries live in a table indexed by number rather
/// than in a dictionary: a lookup is an index, not a hash.
struct InventoryCacheState {
    private struct Entry {
        var record: InventoryRecord
        /// Time since the cache's epoch when the source answered.
        var fetchedAt: Duration
        /// Whether a refresh was asked for and has not stored or failed yet.
        var refreshing = false
    }

    private var table: [Entry?] = []
    private var entryCount = 0
    private var hits = 0
    private var misses = 0

    var statistics: InventoryCacheStatistics {
        InventoryCacheStatistics(hits: self.hits, misses: self.misses, entries: self.entryCount)
    }

    /// The record for `sku` if fetched less than `ttl` before `now`, counting a hit; or
    /// `nil`, counting a miss. A zero `ttl` serves nothing, entries cached before included.
    mutating func lookup(_ sku: SKU.ID, at now: Duration, ttl: Duration) -> InventoryRecord? {
        lookup(sku, at: now, ttl: ttl, claimRefresh: false)?.record
    }

    /// The same, and with `claimRefresh`, whether this read is the one that should refresh
    /// the entry (the first read in its last quarter; later reads see it refreshing).
    mutating func lookup(_ sku: SKU.ID, at now: Duration, ttl: Duration, claimRefresh: Bool)
        -> (record: InventoryRecord, refreshDue: Bool)? {
        let slot = sku.number &- 1
        if UInt(bitPattern: slot) < UInt(self.table.count), let entry = self.table[slot],
           ttl > .zero, now < entry.fetchedAt + ttl {
            self.hits += 1
            let due = claimRefresh && !entry.refreshing && now >= entry.fetchedAt + ttl * 3 / 4
            if due { self.table[slot]?.refreshing = true }
            return (entry.record, due)
        }
        self.misses += 1
        return nil
    }

    /// A refresh failed: the next read in the entry's last quarter may ask again.
    mutating func endRefresh(_ sku: SKU.ID) {
        let slot = sku.number &- 1
        if UInt(bitPattern: slot) < UInt(self.table.count) { self.table[slot]?.refreshing = false }
    }

    mutating func store(_ record: InventoryRecord, fetchedAt: Duration) {
        let slot = record.sku.number &- 1
        // Only records from the source are stored, and it knows only catalogue SKUs, so
        // the table grows to the catalogue size at most.
        guard slot >= 0 else { return }
        if slot >= self.table.count {
            self.table.append(contentsOf: repeatElement(nil, count: slot + 1 - self.table.count))
        }
        if self.table[slot] == nil {
            self.entryCount += 1
        }
        self.table[slot] = Entry(record: record, fetchedAt: fetchedAt)
    }

    mutating func removeAll() {
        self.table.removeAll(keepingCapacity: true)
        self.entryCount = 0
    }
}
