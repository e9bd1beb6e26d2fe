/// A stock-keeping unit in the seeded catalogue.
public struct SKU: Sendable, Hashable, Identifiable {
    /// A SKU identifier, shown as `SKU-00001`.
    ///
    /// Kept as a number so that copying and hashing it is free; the text form is only
    /// produced when it is written out.
    public struct ID: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The catalogue number, starting at 1.
        public var number: Int

        public init(_ number: Int) {
            self.number = number
        }

        /// Parses `SKU-00001`; `nil` for anything else.
        public init?(_ text: String) {
            guard text.hasPrefix("SKU-"), let number = Int(text.dropFirst(4)), number >= 0 else { return nil }
            self.number = number
        }

        /// `SKU-` followed by the number, zero-padded to five digits.
        public var description: String {
            let digits = String(self.number)
            return "SKU-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            lhs.number < rhs.number
        }
    }

    public var id: ID
    /// A short product title, such as `Blue Widget`.
    public var title: String
    /// Unit price in cents.
    public var priceCents: Int
    /// Units in stock; some SKUs are out of stock (zero).
    public var stock: Int

    public init(id: ID, title: String, priceCents: Int, stock: Int) {
        self.id = id
        self.title = title
        self.priceCents = priceCents
        self.stock = stock
    }
}
