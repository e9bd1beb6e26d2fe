/// A placed order.
public struct Order: Sendable, Hashable, Identifiable {
    /// The state of an order.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case pending, paid, shipped, delivered, cancelled
        }

        private let base: Base

        public static var pending: Self { .init(base: .pending) }
        public static var paid: Self { .init(base: .paid) }
        public static var shipped: Self { .init(base: .shipped) }
        public static var delivered: Self { .init(base: .delivered) }
        public static var cancelled: Self { .init(base: .cancelled) }

        /// The lowercase name used on the wire, such as `shipped`.
        public var description: String { String(describing: self.staticName) }

        /// The wire name without allocating, for the JSON writer.
        var staticName: StaticString {
            switch self.base {
            case .pending: "pending"
            case .paid: "paid"
            case .shipped: "shipped"
            case .delivered: "delivered"
            case .cancelled: "cancelled"
            }
        }
    }

    /// One line of an order: a quantity of one SKU.
    public struct LineItem: Sendable, Hashable {
        public var sku: SKU.ID
        public var quantity: Int

        public init(sku: SKU.ID, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    public var id: Int
    public var userID: Int
    public var status: Status
    /// Creation time in Unix seconds.
    public var createdAt: Int
    /// Total at the time of ordering, in cents.
    public var totalCents: Int
    public var items: [LineItem]

    public init(id: Int, userID: Int, status: Status, createdAt: Int, totalCents: Int, items: [LineItem]) {
        self.id = id
        self.userID = userID
        self.status = status
        self.createdAt = createdAt
        self.totalCents = totalCents
        self.items = items
    }
}
