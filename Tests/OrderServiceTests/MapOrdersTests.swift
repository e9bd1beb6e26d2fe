import OrderService
import Testing

@Suite("mapOrders(ids:)")
struct MapOrdersTests {
    let service = OrderService(configuration: .small(), sleeper: ForbiddenSleeper())

    @Test(
        "found orders and missing ids keep the order they were asked in",
        arguments: [
            ([], [], []),
            ([1], [1], []),
            ([99_999], [], [99_999]),
            ([3, 99_999, 1, -5, 2, 0], [3, 1, 2], [99_999, -5, 0]),
            ([5, 5, 7, 5, 0, 0], [5, 5, 7, 5], [0, 0]),
            ([200, 201, Int.max, Int.min], [200], [201, Int.max, Int.min]),
        ] as [([Int], [Int], [Int])]
    )
    func foundAndNotFound(ids: [Int], found: [Int], notFound: [Int]) async throws {
        let map = try await self.service.mapOrders(ids: ids)
        #expect(map.orders.map(\.id) == found)
        #expect(map.notFound == notFound)
    }

    @Test("every line item is enriched from the inventory")
    func enrichment() async throws {
        let store = self.service.store
        let map = try await self.service.mapOrders(ids: Array(1...200))
        #expect(map.orders.count == 200)
        for mapped in map.orders {
            let order = try #require(store.order(id: mapped.id))
            #expect(mapped.userID == order.userID)
            #expect(mapped.status == order.status)
            #expect(mapped.createdAt == order.createdAt)
            #expect(mapped.totalCents == order.totalCents)
            #expect(mapped.items.map(\.sku) == order.items.map(\.sku))
            #expect(mapped.items.map(\.quantity) == order.items.map(\.quantity))
            for item in mapped.items {
                let sku = try #require(store.sku(item.sku))
                #expect(item.title == sku.title)
                #expect(item.priceCents == sku.priceCents)
                #expect(item.inStock == (sku.stock >= item.quantity))
            }
            #expect(mapped.stockValid == mapped.items.allSatisfy(\.inStock))
        }
        // The seeded data has both outcomes, so the JSON shows both.
        #expect(map.orders.contains { $0.stockValid })
        #expect(map.orders.contains { !$0.stockValid })
    }

    @Test("the cache serves repeated SKUs")
    func cacheCounts() async throws {
        let order = try #require(self.service.store.order(id: 1))
        _ = try await self.service.mapOrders(ids: [1])
        #expect(self.service.inventoryCacheStatistics.misses == order.items.count)
        #expect(self.service.inventoryCacheStatistics.hits == 0)
        _ = try await self.service.mapOrders(ids: [1, 1])
        #expect(self.service.inventoryCacheStatistics.misses == order.items.count)
        #expect(self.service.inventoryCacheStatistics.hits == 2 * order.items.count)
    }

    @Test("the path with latency gives the same answer as the one without")
    func pathsAgree() async throws {
        let ids = [7, 0, 3, 3, 500, 150, 1]
        let immediate = try await self.service.mapOrders(ids: ids)
        let sleeper = RecordingSleeper()
        let slow = OrderService(
            configuration: .small {
                $0.inventorySourceLatency = .milliseconds(5)
                $0.stockValidatorLatency = .milliseconds(5)
            },
            sleeper: sleeper
        )
        let suspended = try await slow.mapOrders(ids: ids)
        #expect(suspended == immediate)
        #expect(!sleeper.recorded.isEmpty)
    }

    @Test(
        "fetchUser finds users by exact name",
        arguments: [
            ("alice", 1), ("bob", 2), ("user0042", 42), ("Alice", nil), ("nobody", nil), ("", nil), ("user0051", nil),
        ] as [(String, Int?)]
    )
    func fetchUser(name: String, id: Int?) async throws {
        let user = try await self.service.fetchUser(name: name)
        #expect(user?.id == id)
        if let user {
            #expect(user.name == name)
        }
    }
}
