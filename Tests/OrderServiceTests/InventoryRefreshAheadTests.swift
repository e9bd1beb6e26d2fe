@testable import OrderService
import Testing

/// Refresh-ahead: in an entry's last quarter, one read (and only one) is told to refresh it,
/// and the refresh gives the entry a fresh life.
@Suite("Inventory cache refresh-ahead")
struct InventoryRefreshAheadTests {
    let catalog = OrderStore(seededBy: .small()).skus
    let settings = DependencySettings(inventoryLatency: .milliseconds(40), inventoryCacheTTL: .seconds(4))

    func makeCache() -> (InventoryCache<ManualClock>, ManualClock) {
        let clock = ManualClock()
        let source = InventorySource(catalog: catalog, dependencies: DependencyControl(settings), seed: 1,
                                     sleeper: RecordingSleeper())
        return (InventoryCache(source: source, clock: clock), clock)
    }

    @Test func oneReadInTheLastQuarterIsToldToRefresh() async throws {
        let (cache, clock) = makeCache()
        let sku = SKU.ID(2)
        #expect(try await cache.recordAndRefreshDue(for: sku, at: cache.elapsed(), settings: settings).refreshDue == false)
        clock.advance(by: .seconds(2))
        #expect(try await cache.recordAndRefreshDue(for: sku, at: cache.elapsed(), settings: settings).refreshDue == false,
                "halfway: not yet")
        clock.advance(by: .milliseconds(1100))
        let due = try await cache.recordAndRefreshDue(for: sku, at: cache.elapsed(), settings: settings)
        #expect(due.refreshDue, "3.1 s of 4: the last quarter")
        #expect(try await cache.recordAndRefreshDue(for: sku, at: cache.elapsed(), settings: settings).refreshDue == false,
                "a refresh is already on its way")

        try await cache.refresh(sku, settings: settings)
        clock.advance(by: .seconds(2))
        let after = try await cache.recordAndRefreshDue(for: sku, at: cache.elapsed(), settings: settings)
        #expect(!after.refreshDue, "the refreshed entry started a new life")
        #expect(cache.statistics.misses == 1, "every read after the first was served from the cache")
    }

    @Test func withoutSourceLatencyThereIsNoRefreshAhead() async throws {
        let (cache, clock) = makeCache()
        let instant = DependencySettings(inventoryCacheTTL: .seconds(4))
        _ = try await cache.recordAndRefreshDue(for: SKU.ID(2), at: cache.elapsed(), settings: instant)
        clock.advance(by: .milliseconds(3500))
        #expect(try await cache.recordAndRefreshDue(for: SKU.ID(2), at: cache.elapsed(), settings: instant).refreshDue == false)
    }
}
