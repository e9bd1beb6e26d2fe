@testable import LoadTest
import Testing

/// The open loop's intended send times under rate stages (lc_schedule.c).
@Suite struct StagedScheduleTests {
    static let start: UInt64 = 7_000_000_000

    static func ramp(_ text: String, from start: Double = 0) throws -> LoadStages {
        var ramp = try LoadStages.parse(text)
        ramp.start = start
        return ramp
    }

    /// Every request's intended time, in order, until the schedule ends.
    static func times(_ schedule: StagedSchedule, limit: UInt64 = 2_000_000) -> [UInt64] {
        var times: [UInt64] = []
        var sequence: UInt64 = 0
        while sequence < limit, let time = schedule.intendedNanoseconds(sequence) {
            times.append(time)
            sequence += 1
        }
        return times
    }

    static let ramps: [(String, Double)] = [
        ("2s:2000/s,3s:10000/s,2s:10000/s", 0),
        ("1s:1000/s,1s:0/s", 0),
        ("500ms:300/s,0s:50/s,2s:50/s,1s:0/s,1s:0/s,1s:700/s", 0),
        ("3s:10/s", 10),
        ("1s:5000/s", 20000),
    ]

    @Test(arguments: ramps)
    func timesAreMonotonicAndMatchTheRampsIntegral(text: String, from: Double) throws {
        let ramp = try Self.ramp(text, from: from)
        let schedule = StagedSchedule(stages: ramp, startNanoseconds: Self.start)
        let times = Self.times(schedule)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "intended times never go back")
        #expect(times.allSatisfy { $0 >= Self.start && $0 < Self.start + ramp.totalDuration.nanosecondsValue })
        // The whole run sends the integral of the rate (rounded down: request g needs N(t) = g).
        let total = ramp.count(at: ramp.totalDuration)
        #expect(UInt64(times.count) == UInt64(total.rounded(.up)), "N(end) = \(total)")
        // Request g is due where the cumulative count reaches g: N(t_g) = g, within a nanosecond's worth.
        for g in stride(from: 0, to: times.count, by: max(1, times.count / 500)) {
            let offset = times[g] - Self.start
            let count = ramp.count(at: .nanoseconds(Int64(offset)))
            let rate = max(ramp.value(at: .nanoseconds(Int64(offset))), 1)
            #expect(abs(count - Double(g)) <= rate * 1e-9 + 1e-6, "request \(g) at \(offset) ns: N = \(count)")
        }
        // Due counts: exactly the requests whose time has come, second by second.
        var second: UInt64 = 0
        while second * 1_000_000_000 <= ramp.totalDuration.nanosecondsValue {
            let now = Self.start + second * 1_000_000_000
            let due = schedule.dueCount(at: now)
            #expect(due == UInt64(times.filter { $0 <= now }.count), "due at \(second) s")
            second += 1
        }
    }

    @Test func dueCountsSwitchAtEachRequestsOwnTime() throws {
        let schedule = StagedSchedule(stages: try Self.ramp("2s:2000/s,1s:500/s"), startNanoseconds: Self.start,
                                      loopIndex: 1, loopCount: 3)
        #expect(schedule.dueCount(at: Self.start - 1) == 0)
        for sequence: UInt64 in [0, 1, 2, 100, 700, 800, 1000] {
            let at = try #require(schedule.intendedNanoseconds(sequence))
            #expect(schedule.dueCount(at: at) == sequence + 1, "due at its own time")
            #expect(schedule.dueCount(at: at - 1) == sequence, "not a nanosecond before")
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func loopsShareTheRampWithoutGapsOrOverlap(loops: Int) throws {
        let ramp = try Self.ramp("1s:3000/s,1s:500/s")
        let whole = Self.times(StagedSchedule(stages: ramp, startNanoseconds: 0))
        var union: [UInt64] = []
        for index in 0..<loops {
            union += Self.times(StagedSchedule(stages: ramp, startNanoseconds: 0, loopIndex: index, loopCount: loops))
        }
        #expect(union.sorted() == whole, "loop i sends requests i, i + loops, ... of one schedule")
        #expect(whole.count == 3250, "1500 on the way up, 1750 on the way down")
    }

    @Test func aConstantStageMatchesTheConstantRate() throws {
        let staged = StagedSchedule(stages: try Self.ramp("10s:1000/s", from: 1000), startNanoseconds: Self.start)
        let constant = OpenLoopSchedule(rate: 1000, startNanoseconds: Self.start)
        for sequence: UInt64 in [0, 1, 999, 1000, 5555, 9999] {
            #expect(staged.intendedNanoseconds(sequence) == constant.intendedNanoseconds(sequence))
        }
        #expect(staged.intendedNanoseconds(10_000) == nil, "the 10 001st request is past the end")
    }
}
