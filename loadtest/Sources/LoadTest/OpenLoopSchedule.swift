import CLoadClient

/// The open loop's intended send times (wrk2's model): request g of the whole run is due
/// at start + g / rate; with several loops, loop i sends g = i, i + loops, i + 2·loops, ….
/// A thin view of the C loop's own arithmetic (lc_schedule.h), so tests check what runs.
public struct OpenLoopSchedule: Sendable, Equatable {
    public var rate: Double
    public var startNanoseconds: UInt64
    public var loopIndex: Int
    public var loopCount: Int

    public init(rate: Double, startNanoseconds: UInt64, loopIndex: Int = 0, loopCount: Int = 1) {
        self.rate = rate
        self.startNanoseconds = startNanoseconds
        self.loopIndex = loopIndex
        self.loopCount = loopCount
    }

    var raw: lc_schedule {
        lc_schedule(rate: rate, start_ns: startNanoseconds, phase: UInt32(loopIndex), stride: UInt32(loopCount),
                    stages: nil, stage_count: 0)
    }

    /// When this loop's request number `sequence` is due (monotonic ns).
    public func intendedNanoseconds(_ sequence: UInt64) -> UInt64 {
        var schedule = raw
        return lc_schedule_intended_ns(&schedule, sequence)
    }

    /// How many of this loop's requests are due at `now` (monotonic ns).
    public func dueCount(at now: UInt64) -> UInt64 {
        var schedule = raw
        return lc_schedule_due_count(&schedule, now)
    }
}
