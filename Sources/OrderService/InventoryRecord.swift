/// What the inventory system knows about a SKU: its title, price and stock level.
public struct InventoryRecord: Sendable, Hashable {
    public var sku: SKU.ID
    public var title: String
    public var priceCents: Int
    public var stock: Int

    public init(sku: SKU.ID, title: String, priceCents: Int, stock: Int) {
        self.sku = sku
        self.title = title
        self.priceCents = priceCents
        self.stock = stock
    }

    /// The record that the inventory system holds for `sku`.
    public init(_ sku: SKU) {
        self.init(sku: sku.id, title: sku.title, priceCents: sku.priceCents, stock: sku.stock)
    }
}
