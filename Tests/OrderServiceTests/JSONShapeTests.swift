import Foundation
import OrderService
import Testing

@Suite("JSON shapes")
struct JSONShapeTests {
    @Test("alice is written as documented")
    func user() async throws {
        let service = OrderService(configuration: .small(), sleeper: ForbiddenSleeper())
        let alice = try #require(try await service.fetchUser(name: "alice"))
        #expect(alice.jsonBytes == Array(#"{"id":1,"name":"alice","email":"alice@example.com","tier":"gold"}"#.utf8))
    }

    @Test("an order map has the documented shape")
    func orderMap() async throws {
        let service = OrderService(configuration: .small(), sleeper: ForbiddenSleeper())
        let map = try await service.mapOrders(ids: [1, 99_999, 2, 1, 0])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(map.jsonBytes)) as? [String: Any])
        #expect(Set(object.keys) == ["orders", "not_found"])
        #expect(object["not_found"] as? [Int] == [99_999, 0])

        let orders = try #require(object["orders"] as? [[String: Any]])
        #expect(orders.count == map.orders.count)
        for (json, mapped) in zip(orders, map.orders) {
            #expect(Set(json.keys) == ["id", "user_id", "status", "created_at", "total_cents", "items", "stock_valid"])
            #expect(json["id"] as? Int == mapped.id)
            #expect(json["user_id"] as? Int == mapped.userID)
            #expect(json["status"] as? String == mapped.status.description)
            #expect(json["created_at"] as? Int == mapped.createdAt)
            #expect(json["total_cents"] as? Int == mapped.totalCents)
            #expect(json["stock_valid"] as? Bool == mapped.stockValid)
            let items = try #require(json["items"] as? [[String: Any]])
            #expect(items.count == mapped.items.count)
            for (item, expected) in zip(items, mapped.items) {
                #expect(Set(item.keys) == ["sku", "title", "quantity", "price_cents", "in_stock"])
                #expect(item["sku"] as? String == expected.sku.description)
                #expect(item["title"] as? String == expected.title)
                #expect(item["quantity"] as? Int == expected.quantity)
                #expect(item["price_cents"] as? Int == expected.priceCents)
                #expect(item["in_stock"] as? Bool == expected.inStock)
            }
        }
    }

    @Test("an empty map is two empty arrays")
    func emptyMap() {
        #expect(OrderMap(orders: [], notFound: []).jsonBytes == Array(#"{"orders":[],"not_found":[]}"#.utf8))
    }

    @Test("a hand-built order is written byte for byte")
    func exactOrder() {
        let item = MappedOrder.Item(
            sku: SKU.ID(1),
            title: "Blue \"Mug\"",
            quantity: 2,
            priceCents: 1_299,
            inStock: true
        )
        let order = MappedOrder(
            id: 1,
            userID: 7,
            status: .shipped,
            createdAt: 1_700_000_000,
            totalCents: 2_598,
            items: [item],
            stockValid: true
        )
        let expected =
            #"{"orders":[{"id":1,"user_id":7,"status":"shipped","created_at":1700000000,"total_cents":2598,"items":[{"sku":"SKU-00001","title":"Blue \"Mug\"","quantity":2,"price_cents":1299,"in_stock":true}],"stock_valid":true}],"not_found":[99999]}"#
        #expect(OrderMap(orders: [order], notFound: [99_999]).jsonBytes == Array(expected.utf8))
    }

    @Test("SKU ids are written as text", arguments: [0, 1, 42, 99_999, 123_456])
    func skuText(number: Int) throws {
        let item = MappedOrder.Item(sku: SKU.ID(number), title: "t", quantity: 1, priceCents: 1, inStock: true)
        let order = MappedOrder(
            id: 1,
            userID: 1,
            status: .paid,
            createdAt: 0,
            totalCents: 1,
            items: [item],
            stockValid: true
        )
        let object =
            try JSONSerialization.jsonObject(with: Data(OrderMap(orders: [order], notFound: []).jsonBytes))
            as? [String: Any]
        let items = (object?["orders"] as? [[String: Any]])?.first?["items"] as? [[String: Any]]
        #expect(items?.first?["sku"] as? String == SKU.ID(number).description)
    }
}
