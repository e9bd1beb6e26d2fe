#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Switches that make the service misbehave on purpose, to reproduce incidents.
///
/// Each mode is off by default, is set at start-up (`orders serve --fault NAME`) or at run
/// time (POST /debug/faults on the admin listener), and is read with one relaxed atomic
/// load per request.
public final class Faults: Sendable {
    /// One fault mode.
    public struct Mode: Sendable, Hashable, CustomStringConvertible {
        enum Base: Int, Sendable, CaseIterable { case missingOKCheck, slowInventory, stall }
        let base: Base

        init(base: Base) { self.base = base }

        /// The incident: `/api/v1/order/map` reads a missing order as a zero value and
        /// leaks the stock-validation child it started for it.
        public static let missingOKCheck = Mode(base: .missingOKCheck)
        /// Adds latency to every inventory-cache read, so P99 rises on the order route.
        public static let slowInventory = Mode(base: .slowInventory)
        /// Once a second, one `/plaintext` request blocks its event loop's thread for
        /// 200 ms (see `Faults.stallIfDue()`), so every connection on that loop waits: the
        /// stall that a closed-loop load generator under-reports (coordinated omission).
        public static let stall = Mode(base: .stall)

        /// Every mode, in a stable order.
        public static let all = Base.allCases.map { Mode(base: $0) }

        /// The mode's name on the command line and in /debug/faults.
        public var name: String {
            switch base {
            case .missingOKCheck: "missing-ok-check"
            case .slowInventory: "slow-inventory"
            case .stall: "stall"
            }
        }

        /// One sentence on what the mode does.
        public var summary: String {
            switch base {
            case .missingOKCheck:
                "order/map reads a missing order as a zero value; the stock-validation child started for it waits forever"
            case .slowInventory:
                "every inventory-cache read waits an extra --slow-inventory-latency"
            case .stall:
                "once a second, one /plaintext request blocks its event loop's thread for 200 ms"
            }
        }

        public init?(name: String) {
            guard let mode = Mode.all.first(where: { $0.name == name }) else { return nil }
            self = mode
        }

        public var description: String { name }
    }

    private let flags = Atomic<UInt8>(0)
    /// Monotonic nanoseconds before which no new stall starts (`stall` mode).
    private let nextStallNanoseconds = Atomic<UInt64>(0)

    /// How long one `stall` blocks its thread.
    public static let stallDuration: Duration = .milliseconds(200)
    /// How often the `stall` mode stalls at most.
    public static let stallPeriod: Duration = .seconds(1)

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

    /// In `stall` mode, blocks the calling thread (an event loop, when called from a
    /// handler that runs inline) for `stallDuration`, at most once per `stallPeriod` across
    /// all threads; otherwise returns at once. Returns whether it stalled.
    ///
    /// The block is deliberate: a sleeping task would free the loop, and the point is to
    /// hold up every connection that the loop serves.
    @discardableResult
    public func stallIfDue() -> Bool {
        guard isEnabled(.stall) else { return false }
        return stallIfDue(now: Self.monotonicNanoseconds()) { usleep(UInt32(Self.stallDuration.microseconds)) }
    }

    /// The decision of `stallIfDue()` at `now`, with the blocking step passed in (tests).
    func stallIfDue(now: UInt64, block: () -> Void) -> Bool {
        let next = nextStallNanoseconds.load(ordering: .relaxed)
        guard now >= next else { return false }
        let period = UInt64(Self.stallPeriod.microseconds) * 1000
        // One caller per period wins; the others go on.
        guard nextStallNanoseconds.compareExchange(expected: next, desired: now + period, ordering: .relaxed).exchanged else {
            return false
        }
        block()
        return true
    }

    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

extension Duration {
    /// Whole microseconds.
    fileprivate var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
