/// A customer who places orders.
public struct User: Sendable, Hashable, Identifiable {
    /// A loyalty tier.
    public struct Tier: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case bronze, silver, gold, platinum
        }

        private let base: Base

        public static var bronze: Self { .init(base: .bronze) }
        public static var silver: Self { .init(base: .silver) }
        public static var gold: Self { .init(base: .gold) }
        public static var platinum: Self { .init(base: .platinum) }

        /// The lowercase name used on the wire, such as `gold`.
        public var description: String { String(describing: self.staticName) }

        /// The wire name without allocating, for the JSON writer.
        var staticName: StaticString {
            switch self.base {
            case .bronze: "bronze"
            case .silver: "silver"
            case .gold: "gold"
            case .platinum: "platinum"
            }
        }
    }

    public var id: Int
    /// A unique lowercase login name, such as `alice` or `user0042`.
    public var name: String
    public var email: String
    public var tier: Tier

    public init(id: Int, name: String, email: String, tier: Tier) {
        self.id = id
        self.name = name
        self.email = email
        self.tier = tier
    }
}
