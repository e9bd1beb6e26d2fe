extension OrderStore {
    /// Fixed names for the first users, so that docs and smoke tests can rely on `alice`.
    static let fixedUserNames = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
        "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
    ]

    private static let adjectives = [
        "Blue", "Red", "Green", "Small", "Large", "Quiet", "Rapid", "Smart", "Steel", "Solar",
        "Cosmic", "Rustic", "Silver", "Golden", "Micro", "Turbo",
    ]

    // Titles stay at most 15 UTF-8 bytes, so that they are stored inline in `String`
    // and copying them on the hot path needs no reference counting.
    private static let nouns = [
        "Widget", "Gadget", "Lamp", "Kettle", "Router", "Cable", "Chair", "Mug", "Drone", "Clock",
        "Speaker", "Bottle", "Fan", "Pen", "Watch", "Bag",
    ]

    /// Fixed epoch for `createdAt` (2023-11-14T22:13:20Z), so that data does not depend on
    /// when the service started.
    static let createdAtEpoch = 1_700_000_000

    /// Seeds a store deterministically from `configuration.seed`.
    ///
    /// - Precondition: the counts are not negative, and there is at least one user and one
    ///   SKU when there are orders.
    public init(seededBy configuration: OrderServiceConfiguration) {
        precondition(
            configuration.orderCount >= 0 && configuration.userCount >= 0 && configuration.skuCount >= 0,
            "counts must not be negative"
        )
        precondition(
            configuration.orderCount == 0 || (configuration.userCount > 0 && configuration.skuCount > 0),
            "orders need at least one user and one SKU"
        )
        // One generator per table, so that changing one count leaves the other tables alone.
        let skus = Self.seedSKUs(count: configuration.skuCount, seed: configuration.seed ^ 0x534B_5553)
        let users = Self.seedUsers(count: configuration.userCount, seed: configuration.seed ^ 0x5553_4552)
        let orders = Self.seedOrders(
            count: configuration.orderCount,
            userCount: users.count,
            skus: skus,
            seed: configuration.seed ^ 0x4F52_4452
        )
        self.init(orders: orders, users: users, skus: skus)
    }

    private static func seedSKUs(count: Int, seed: UInt64) -> [SKU] {
        var random = Xoshiro256StarStar(seed: seed)
        var skus = [SKU]()
        skus.reserveCapacity(count)
        for number in stride(from: 1, through: count, by: 1) {
            let title = random.element(of: Self.adjectives) + " " + random.element(of: Self.nouns)
            let priceCents = random.int(in: 199...19_999)
            // About one SKU in ten is sold out, so that `in_stock: false` shows up.
            let stock = random.chance(0.1) ? 0 : random.int(in: 1...500)
            skus.append(SKU(id: SKU.ID(number), title: title, priceCents: priceCents, stock: stock))
        }
        return skus
    }

    /// The name of user `id`: a fixed name while they last, then `user` and the id
    /// zero-padded to four digits (`user0042`), which cannot clash with a fixed name.
    static func userName(id: Int) -> String {
        if id >= 1, id <= Self.fixedUserNames.count {
            return Self.fixedUserNames[id - 1]
        }
        let digits = String(id)
        return "user" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func seedUsers(count: Int, seed: UInt64) -> [User] {
        var random = Xoshiro256StarStar(seed: seed)
        var users = [User]()
        users.reserveCapacity(count)
        for id in stride(from: 1, through: count, by: 1) {
            let name = Self.userName(id: id)
            let roll = random.int(in: 0...99)
            let tier: User.Tier =
                switch roll {
                case 0..<50: .bronze
                case 50..<80: .silver
                case 80..<95: .gold
                default: .platinum
                }
            // alice is always gold, so that the documented example response holds.
            users.append(User(id: id, name: name, email: name + "@example.com", tier: id == 1 ? .gold : tier))
        }
        return users
    }

    private static func seedOrders(count: Int, userCount: Int, skus: [SKU], seed: UInt64) -> [Order] {
        var random = Xoshiro256StarStar(seed: seed)
        var orders = [Order]()
        orders.reserveCapacity(count)
        let oneYear = 365 * 24 * 3600
        for id in stride(from: 1, through: count, by: 1) {
            let userID = random.int(in: 1...userCount)
            let itemCount = random.int(in: 1...min(4, skus.count))
            var items = [Order.LineItem]()
            items.reserveCapacity(itemCount)
            var totalCents = 0
            while items.count < itemCount {
                let sku = skus[random.int(in: 0...(skus.count - 1))]
                // Each SKU appears once per order; itemCount <= skus.count, so this ends.
                if items.contains(where: { $0.sku == sku.id }) { continue }
                let quantity = random.int(in: 1...5)
                items.append(Order.LineItem(sku: sku.id, quantity: quantity))
                totalCents += sku.priceCents * quantity
            }
            let roll = random.int(in: 0...99)
            let status: Order.Status =
                switch roll {
                case 0..<10: .pending
                case 10..<30: .paid
                case 30..<55: .shipped
                case 55..<95: .delivered
                default: .cancelled
                }
            let createdAt = Self.createdAtEpoch + random.int(in: 0...oneYear)
            orders.append(
                Order(
                    id: id,
                    userID: userID,
                    status: status,
                    createdAt: createdAt,
                    totalCents: totalCents,
                    items: items
                )
            )
        }
        return orders
    }
}
