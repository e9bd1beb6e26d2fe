import Synchronization

/// Switches that make the service misbehave on purpose, to reproduce incidents.
///
/// Each mode is off by default, is set at start-up (`orders serve --fault NAME`) or at run
/// time (POST /debug/faults on the admin listener), and is read with one relaxed atomic
/// load per request.
public final class Faults: Sendable {
    /// One fault mode.
    public struct Mode: Sendable, Hashable, CustomStringConvertible {
        enum Base: Int, Sendable, CaseIterable { case missingOKCheck, slowInventory }
        let base: Base

        init(base: Base) { self.base = base }

        /// The incident: `/api/v1/order/map` reads a missing order as a zero value and
        /// leaks the stock-validation child it started for it.
        public static let missingOKCheck = Mode(base: .missingOKCheck)
        /// Adds latency to every inventory-cache read, so P99 rises on the order route.
        public static let slowInventory = Mode(base: .slowInventory)

        /// Every mode, in a stable order.
        public static let all = Base.allCases.map { Mode(base: $0) }

        /// The mode's name on the command line and in /debug/faults.
        public var name: String {
            switch base {
            case .missingOKCheck: "missing-ok-check"
            case .slowInventory: "slow-inventory"
            }
        }

        /// One sentence on what the mode does.
        public var summary: String {
            switch base {
            case .missingOKCheck:
                "order/map reads a missing order as a zero value; the stock-validation child started for it waits forever"
            case .slowInventory:
                "every inventory-cache read waits an extra --slow-inventory-latency"
            }
        }

        public init?(name: String) {
            guard let mode = Mode.all.first(where: { $0.name == name }) else { return nil }
            self = mode
        }

        public var description: String { name }
    }

    private let flags = Atomic<UInt8>(0)

    public init(enabled: [Mode] = []) {
        for mode in enabled { set(mode, enabled: true) }
    }

    public func isEnabled(_ mode: Mode) -> Bool {
        flags.load(ordering: .relaxed) & (1 << mode.base.rawValue) != 0
    }

    public func set(_ mode: Mode, enabled: Bool) {
        let bit = UInt8(1 << mode.base.rawValue)
        if enabled {
            flags.bitwiseOr(bit, ordering: .relaxed)
        } else {
            flags.bitwiseAnd(~bit, ordering: .relaxed)
        }
    }
}
