import OrderService
import Testing

@Suite("Inventory cache")
struct InventoryCacheTests {
    let catalog = OrderStore(seededBy: .small()).skus

    func makeCache(ttl: Duration = .seconds(5), failureRate: Double = 0) -> (InventoryCache<ManualClock>, ManualClock) {
        let clock = ManualClock()
        let source = InventorySource(
            catalog: self.catalog,
            dependencies: DependencyControl(DependencySettings(inventoryFailureRate: failureRate, inventoryCacheTTL: ttl)),
            seed: 1,
            sleeper: ForbiddenSleeper()
        )
        return (InventoryCache(source: source, clock: clock), clock)
    }

    @Test("a miss fills the cache and the next lookup hits")
    func missThenHit() async throws {
        let (cache, _) = self.makeCache()
        let first = try await cache.record(for: SKU.ID(3))
        #expect(cache.statistics == InventoryCacheStatistics(hits: 0, misses: 1, entries: 1))
        let second = try await cache.record(for: SKU.ID(3))
        #expect(second == first)
        #expect(second == InventoryRecord(self.catalog[2]))
        #expect(cache.statistics == InventoryCacheStatistics(hits: 1, misses: 1, entries: 1))
        #expect(cache.statistics.hitRatio == 0.5)
    }

    @Test(
        "entries expire after the TTL",
        arguments: [
            (.zero, true),
            (.seconds(4), true),
            (.seconds(5) - .nanoseconds(1), true),
            (.seconds(5), false),
            (.seconds(60), false),
        ] as [(Duration, Bool)]
    )
    func expiry(elapsed: Duration, hit: Bool) async throws {
        let (cache, clock) = self.makeCache(ttl: .seconds(5))
        _ = try await cache.record(for: SKU.ID(1))
        clock.advance(by: elapsed)
        _ = try await cache.record(for: SKU.ID(1))
        #expect(cache.statistics.hits == (hit ? 1 : 0))
        #expect(cache.statistics.misses == (hit ? 1 : 2))
        #expect(cache.statistics.entries == 1)
    }

    @Test("a refetched entry gets a fresh TTL")
    func refresh() async throws {
        let (cache, clock) = self.makeCache(ttl: .seconds(5))
        _ = try await cache.record(for: SKU.ID(1))
        clock.advance(by: .seconds(6))
        _ = try await cache.record(for: SKU.ID(1))  // miss, refetch
        clock.advance(by: .seconds(4))
        _ = try await cache.record(for: SKU.ID(1))  // hit
        #expect(cache.statistics == InventoryCacheStatistics(hits: 1, misses: 2, entries: 1))
    }

    @Test("a TTL of zero caches nothing")
    func zeroTTL() async throws {
        let (cache, _) = self.makeCache(ttl: .zero)
        for _ in 0..<3 {
            _ = try await cache.record(for: SKU.ID(1))
        }
        #expect(cache.statistics == InventoryCacheStatistics(hits: 0, misses: 3, entries: 0))
    }

    @Test(
        "a TTL change applies to the entries already cached",
        arguments: [
            (.seconds(60), true),  // longer: the 10 s old entry is fresh again
            (.seconds(11), true),
            (.seconds(10), false),
            (.seconds(1), false),  // shorter
            (.zero, false),  // caching off: nothing is served, old entries included
        ] as [(Duration, Bool)]
    )
    func ttlChangeAppliesToCachedEntries(ttl: Duration, hit: Bool) async throws {
        let (cache, clock) = self.makeCache(ttl: .seconds(5))
        _ = try await cache.record(for: SKU.ID(1))
        clock.advance(by: .seconds(10))  // stale under the start-up TTL
        try cache.source.dependencies.update { $0.inventoryCacheTTL = ttl }
        #expect(cache.ttl == ttl)
        _ = try await cache.record(for: SKU.ID(1))
        #expect(cache.statistics.hits == (hit ? 1 : 0))
    }

    @Test("failures are not cached")
    func failuresNotCached() async throws {
        let (cache, _) = self.makeCache(failureRate: 1)
        for _ in 0..<2 {
            await #expect(throws: DependencyError.self) { try await cache.record(for: SKU.ID(1)) }
        }
        #expect(cache.statistics == InventoryCacheStatistics(hits: 0, misses: 2, entries: 0))
    }

    @Test("an unknown SKU is a dependency error")
    func unknownSKU() async throws {
        let (cache, _) = self.makeCache()
        let error = await #expect(throws: DependencyError.self) { try await cache.record(for: SKU.ID(9_999)) }
        #expect(error?.dependency == .inventory)
    }

    @Test("removeAll empties the cache and keeps the counters")
    func removeAll() async throws {
        let (cache, _) = self.makeCache()
        _ = try await cache.record(for: SKU.ID(1))
        cache.removeAll()
        _ = try await cache.record(for: SKU.ID(1))
        #expect(cache.statistics == InventoryCacheStatistics(hits: 0, misses: 2, entries: 1))
    }

    @Test("concurrent lookups are all counted")
    func concurrentLookups() async throws {
        let (cache, _) = self.makeCache()
        let skuCount = self.catalog.count
        try await withThrowingTaskGroup { group in
            for task in 0..<8 {
                group.addTask {
                    for lookup in 0..<1_000 {
                        _ = try await cache.record(for: SKU.ID((task * 7 + lookup) % skuCount + 1))
                    }
                }
            }
            try await group.waitForAll()
        }
        let statistics = cache.statistics
        #expect(statistics.hits + statistics.misses == 8_000)
        #expect(statistics.entries == skuCount)
        #expect(statistics.misses >= skuCount)
    }
}
