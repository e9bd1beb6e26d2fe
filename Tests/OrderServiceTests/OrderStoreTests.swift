import OrderService
import Testing

@Suite("Seeded data")
struct OrderStoreTests {
    @Test("the same seed gives the same data")
    func sameSeedSameData() {
        let configuration = OrderServiceConfiguration.small()
        #expect(OrderStore(seededBy: configuration) == OrderStore(seededBy: configuration))
    }

    @Test("different seeds give different data", arguments: [1, 43, 0xDEAD_BEEF] as [UInt64])
    func differentSeedDifferentData(seed: UInt64) {
        let base = OrderStore(seededBy: .small(seed: 42))
        let other = OrderStore(seededBy: .small(seed: seed))
        #expect(base.orders != other.orders)
        #expect(base.skus != other.skus)
        #expect(base.users != other.users)  // tiers differ even though names do not
    }

    @Test("the default seed gives the pinned data")
    func pinnedValues() throws {
        // Guards against accidental changes to the generator or the seeding scheme:
        // load-test scenarios and docs refer to concrete ids.
        let store = OrderStore(seededBy: OrderServiceConfiguration())
        let order = try #require(store.order(id: 1))
        let sku = try #require(store.sku(SKU.ID(1)))
        #expect(
            "\(order.userID) \(order.status) \(order.createdAt) \(order.totalCents) \(order.items.map { "\($0.sku)x\($0.quantity)" })"
                == pinnedOrder1
        )
        #expect("\(sku.title) \(sku.priceCents) \(sku.stock)" == pinnedSKU1)
    }

    @Test(
        "sizes honour the configuration",
        arguments: [(0, 0, 0), (0, 3, 0), (1, 1, 1), (100, 20, 5), (10_000, 1_000, 500)]
    )
    func sizes(orders: Int, users: Int, skus: Int) {
        let store = OrderStore(seededBy: .small(orders: orders, users: users, skus: skus))
        #expect(store.orders.count == orders)
        #expect(store.users.count == users)
        #expect(store.skus.count == skus)
        #expect(store.orders.map(\.id) == Array(stride(from: 1, through: orders, by: 1)))
        #expect(store.users.map(\.id) == Array(stride(from: 1, through: users, by: 1)))
        #expect(store.skus.map(\.id.number) == Array(stride(from: 1, through: skus, by: 1)))
    }

    @Test("alice is the first user, and names follow the scheme")
    func userNames() throws {
        let store = OrderStore(seededBy: .small(users: 1_200))
        let alice = try #require(store.user(named: "alice"))
        #expect(alice.id == 1)
        #expect(alice.email == "alice@example.com")
        #expect(alice.tier == .gold)
        #expect(store.users[1].name == "bob")
        #expect(store.users[2].name == "carol")
        #expect(store.user(named: "user0042")?.id == 42)
        #expect(store.user(named: "user1200")?.id == 1_200)
        #expect(Set(store.users.map(\.name)).count == store.users.count)
        for user in store.users {
            #expect(user.name == user.name.lowercased())
            #expect(user.email == "\(user.name)@example.com")
        }
    }

    @Test("orders are consistent with users and SKUs")
    func consistency() throws {
        let store = OrderStore(seededBy: OrderServiceConfiguration())
        for order in store.orders {
            #expect(store.user(id: order.userID) != nil)
            #expect((1...4).contains(order.items.count))
            #expect(Set(order.items.map(\.sku)).count == order.items.count)
            var total = 0
            for item in order.items {
                let sku = try #require(store.sku(item.sku))
                #expect((1...5).contains(item.quantity))
                total += sku.priceCents * item.quantity
            }
            #expect(order.totalCents == total)
            #expect(order.createdAt >= 1_700_000_000)
        }
        #expect(store.skus.contains { $0.stock == 0 })
        #expect(store.skus.contains { $0.stock > 0 })
        #expect(Set(store.orders.map(\.status)).count == 5)
        #expect(Set(store.users.map(\.tier)).count == 4)
    }

    @Test(
        "SKU ids print and parse as SKU-00001",
        arguments: [(1, "SKU-00001"), (42, "SKU-00042"), (99_999, "SKU-99999"), (123_456, "SKU-123456")]
    )
    func skuIDs(number: Int, text: String) {
        #expect(SKU.ID(number).description == text)
        #expect(SKU.ID(text) == SKU.ID(number))
    }

    @Test("lookups outside the ids give nil", arguments: [Int.min, -1, 0, 201, Int.max])
    func lookupsOutside(id: Int) {
        let store = OrderStore(seededBy: .small())
        #expect(store.order(id: id) == nil)
        #expect(store.user(id: id) == nil)
        #expect(store.sku(SKU.ID(id)) == nil)
    }
}

private let pinnedOrder1 =
    #"113 delivered 1714727394 86095 ["SKU-00425x3", "SKU-00479x4", "SKU-00074x1", "SKU-00081x3"]"#
private let pinnedSKU1 = "Rapid Clock 14235 131"
