/// The in-memory data of the service: orders, users and the SKU catalogue.
///
/// Immutable once seeded, so it is shared between threads without locks. Ids are dense
/// (`1...count`), so lookups by id are array indexing.
public struct OrderStore: Sendable, Equatable {
    /// Orders by id; `orders[i].id == i + 1`.
    public let orders: [Order]
    /// Users by id; `users[i].id == i + 1`.
    public let users: [User]
    /// SKUs by number; `skus[i].id.number == i + 1`.
    public let skus: [SKU]
    private let userIndexByName: [String: Int]

    /// Builds a store from existing data. Ids must be dense and start at 1.
    public init(orders: [Order], users: [User], skus: [SKU]) {
        precondition(orders.indices.allSatisfy { orders[$0].id == $0 + 1 }, "order ids must be 1...count")
        precondition(users.indices.allSatisfy { users[$0].id == $0 + 1 }, "user ids must be 1...count")
        precondition(skus.indices.allSatisfy { skus[$0].id.number == $0 + 1 }, "SKU numbers must be 1...count")
        self.orders = orders
        self.users = users
        self.skus = skus
        var index = [String: Int](minimumCapacity: users.count)
        for (position, user) in users.enumerated() {
            let previous = index.updateValue(position, forKey: user.name)
            precondition(previous == nil, "duplicate user name \(user.name)")
        }
        self.userIndexByName = index
    }

    /// The order with this id, if any.
    @inline(__always)
    public func order(id: Int) -> Order? {
        // Unsigned compare folds `id >= 1 && id <= count` into one branch.
        UInt(bitPattern: id &- 1) < UInt(self.orders.count) ? self.orders[id &- 1] : nil
    }

    /// The user with this id, if any.
    public func user(id: Int) -> User? {
        UInt(bitPattern: id &- 1) < UInt(self.users.count) ? self.users[id &- 1] : nil
    }

    /// The user with exactly this name (names are lowercase), if any.
    public func user(named name: String) -> User? {
        self.userIndexByName[name].map { self.users[$0] }
    }

    /// The SKU with this id, if any.
    @inline(__always)
    public func sku(_ id: SKU.ID) -> SKU? {
        UInt(bitPattern: id.number &- 1) < UInt(self.skus.count) ? self.skus[id.number &- 1] : nil
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        // The name index is derived from `users`, so it need not be compared.
        lhs.orders == rhs.orders && lhs.users == rhs.users && lhs.skus == rhs.skus
    }
}
