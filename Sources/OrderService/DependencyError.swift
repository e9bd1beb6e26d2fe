/// A stand-in remote system failed or was unavailable.
///
/// The HTTP layer maps this error to `503 Service Unavailable`.
public struct DependencyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The remote system that failed.
    public struct Dependency: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case inventory
            case stockValidator
        }

        private let base: Base

        /// The inventory source behind the inventory cache.
        public static var inventory: Self { .init(base: .inventory) }
        /// The stock validator.
        public static var stockValidator: Self { .init(base: .stockValidator) }

        /// A stable, machine-readable name: `inventory` or `stock-validator`.
        public var description: String {
            switch self.base {
            case .inventory: "inventory"
            case .stockValidator: "stock-validator"
            }
        }
    }

    /// The remote system that failed.
    public var dependency: Dependency
    /// What went wrong, for humans.
    public var message: String

    public init(dependency: Dependency, message: String) {
        self.dependency = dependency
        self.message = message
    }

    public var description: String {
        "\(self.dependency): \(self.message)"
    }
}
