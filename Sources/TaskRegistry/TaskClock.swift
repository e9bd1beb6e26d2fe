#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the monotonic clock that the registry stamps tasks with.
///
/// On Linux it reads `CLOCK_MONOTONIC_COARSE`: about 20 ns cheaper than the precise clock
/// (no vDSO TSC read) at a resolution of a few milliseconds, which is plenty for ages.
public struct TaskInstant: Hashable, Sendable, Comparable {
    /// Nanoseconds since an unspecified start (boot, on Linux).
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current time.
    @inline(__always)
    public static var now: TaskInstant {
        var spec = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
        #else
        clock_gettime(CLOCK_MONOTONIC, &spec)
        #endif
        return TaskInstant(nanoseconds: UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec))
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later (clock granularity).
    public func since(_ earlier: TaskInstant) -> Duration {
        nanoseconds > earlier.nanoseconds ? .nanoseconds(Int64(nanoseconds - earlier.nanoseconds)) : .zero
    }

    public static func < (lhs: TaskInstant, rhs: TaskInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
