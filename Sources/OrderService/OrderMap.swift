/// The answer to ``OrderService/mapOrders(ids:)``: the found orders, enriched from the
/// inventory and checked by the stock validator, and the ids that were not found.
public struct OrderMap: Sendable, Hashable {
    /// Found orders, in the order their ids were asked for (repeats included).
    public var orders: [MappedOrder]
    /// Ids with no order, in the order they were asked for (repeats included).
    public var notFound: [Int]

    public init(orders: [MappedOrder], notFound: [Int]) {
        self.orders = orders
        self.notFound = notFound
    }
}

/// An order with each line item enriched from the inventory.
public struct MappedOrder: Sendable, Hashable {
    /// A line item with the inventory's title, price and stock.
    public struct Item: Sendable, Hashable {
        public var sku: SKU.ID
        public var title: String
        public var quantity: Int
        /// Current unit price from the inventory, in cents.
        public var priceCents: Int
        /// Whether the inventory holds at least `quantity` units.
        public var inStock: Bool

        public init(sku: SKU.ID, title: String, quantity: Int, priceCents: Int, inStock: Bool) {
            self.sku = sku
            self.title = title
            self.quantity = quantity
            self.priceCents = priceCents
            self.inStock = inStock
        }

        init(_ line: Order.LineItem, _ record: InventoryRecord) {
            self.init(
                sku: line.sku,
                title: record.title,
                quantity: line.quantity,
                priceCents: record.priceCents,
                inStock: record.stock >= line.quantity
            )
        }
    }

    public var id: Int
    public var userID: Int
    public var status: Order.Status
    /// Creation time in Unix seconds.
    public var createdAt: Int
    /// Total at the time of ordering, in cents.
    public var totalCents: Int
    /// The enriched line items.
    ///
    /// The orders of one ``OrderMap`` share one buffer of items, to save an allocation
    /// per order, so the indices of this slice need not start at zero: iterate it, or
    /// index from `items.startIndex`.
    public var items: ArraySlice<Item>
    /// What the stock validator said: every item is in stock.
    public var stockValid: Bool

    public init(
        id: Int,
        userID: Int,
        status: Order.Status,
        createdAt: Int,
        totalCents: Int,
        items: ArraySlice<Item>,
        stockValid: Bool
    ) {
        self.id = id
        self.userID = userID
        self.status = status
        self.createdAt = createdAt
        self.totalCents = totalCents
        self.items = items
        self.stockValid = stockValid
    }

    init(_ order: Order, items: ArraySlice<Item>, stockValid: Bool) {
        self.init(
            id: order.id,
            userID: order.userID,
            status: order.status,
            createdAt: order.createdAt,
            totalCents: order.totalCents,
            items: items,
            stockValid: stockValid
        )
    }
}
