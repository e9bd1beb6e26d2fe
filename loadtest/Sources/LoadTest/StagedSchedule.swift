import CLoadClient

/// The open loop's intended send times under rate stages: request g of the whole run is due
/// where the ramp's cumulative count N(t) reaches g (lc_schedule.h); with several loops,
/// loop i sends g = i, i + loops, …. A thin view of the C loop's own arithmetic, so tests
/// check what runs.
public struct StagedSchedule: Sendable {
    public var stages: LoadStages
    public var startNanoseconds: UInt64
    public var loopIndex: Int
    public var loopCount: Int
    let prepared: [lc_stage]

    public init(stages: LoadStages, startNanoseconds: UInt64, loopIndex: Int = 0, loopCount: Int = 1) {
        self.stages = stages
        self.startNanoseconds = startNanoseconds
        self.loopIndex = loopIndex
        self.loopCount = loopCount
        prepared = stages.prepared
    }

    func withRaw<R>(_ body: (inout lc_schedule) -> R) -> R {
        prepared.withUnsafeBufferPointer { buffer in
            var schedule = lc_schedule(rate: stages.start, start_ns: startNanoseconds, phase: UInt32(loopIndex),
                                       stride: UInt32(loopCount), stages: buffer.baseAddress,
                                       stage_count: UInt32(buffer.count))
            return body(&schedule)
        }
    }

    /// When this loop's request number `sequence` is due (monotonic ns); nil if never.
    public func intendedNanoseconds(_ sequence: UInt64) -> UInt64? {
        let time = withRaw { lc_schedule_intended_ns(&$0, sequence) }
        return time == UInt64.max ? nil : time
    }

    /// How many of this loop's requests are due at `now` (monotonic ns).
    public func dueCount(at now: UInt64) -> UInt64 {
        withRaw { lc_schedule_due_count(&$0, now) }
    }
}
