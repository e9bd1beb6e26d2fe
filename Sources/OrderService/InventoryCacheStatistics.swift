/// Counters of an ``InventoryCache``, for metrics and debugging.
public struct InventoryCacheStatistics: Sendable, Hashable {
    /// Lookups answered from the cache.
    public var hits: Int
    /// Lookups that went to the inventory source (including ones that then failed).
    public var misses: Int
    /// Entries held, including expired ones not yet replaced.
    public var entries: Int

    public init(hits: Int = 0, misses: Int = 0, entries: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.entries = entries
    }

    /// `hits / (hits + misses)`, or 0 before the first lookup.
    public var hitRatio: Double {
        let lookups = self.hits + self.misses
        return lookups == 0 ? 0 : Double(self.hits) / Double(lookups)
    }
}
