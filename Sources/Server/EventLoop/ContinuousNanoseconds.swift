import CEventShim

/// `ContinuousClock` readings as plain nanoseconds: the clock the shim stamps requests
/// with (`CLOCK_BOOTTIME`, which is also `ContinuousClock`'s clock on Linux).
///
/// A request's latency is one read and one subtraction of 64-bit integers this way.
/// `ContinuousClock.now - receivedAt` builds two 128-bit instants and a `Duration`, and
/// cost about twice the clock read itself (`chain-bench`: "ContinuousClock.now" against
/// "clock_gettime(CLOCK_BOOTTIME)").
package enum ContinuousNanoseconds {
    /// An instant of `ContinuousClock` and this clock's reading taken together, to convert
    /// between the two.
    private static let anchor: (instant: ContinuousClock.Instant, nanoseconds: UInt64) = {
        let nanoseconds = es_clock_continuous_ns()
        return (ContinuousClock.now, nanoseconds)
    }()

    /// The clock now.
    @inline(__always)
    package static func now() -> UInt64 { es_clock_continuous_ns() }

    /// The `ContinuousClock` instant of a reading.
    package static func instant(_ nanoseconds: UInt64) -> ContinuousClock.Instant {
        anchor.instant.advanced(by: .nanoseconds(Int64(bitPattern: nanoseconds &- anchor.nanoseconds)))
    }

    /// The reading of a `ContinuousClock` instant (0 for one before the clock's start).
    package static func reading(of instant: ContinuousClock.Instant) -> UInt64 {
        let (seconds, attoseconds) = anchor.instant.duration(to: instant).components
        let delta = seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
        if delta >= 0 { return anchor.nanoseconds &+ UInt64(delta) }
        return delta.magnitude > anchor.nanoseconds ? 0 : anchor.nanoseconds - delta.magnitude
    }

    /// Nanoseconds from `start` to `end`, 0 when `end` is earlier.
    @inline(__always)
    package static func elapsed(from start: UInt64, to end: UInt64) -> UInt64 {
        end > start ? end - start : 0
    }
}
