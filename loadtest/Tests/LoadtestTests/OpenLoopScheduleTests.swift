import LoadTest
import Testing

@Suite struct OpenLoopScheduleTests {
    @Test(arguments: [
        // rate, loop index, loops, sequence, intended ns after start
        (1000.0, 0, 1, 0, 0),
        (1000.0, 0, 1, 1, 1_000_000),
        (1000.0, 0, 1, 2500, 2_500_000_000),
        (3.0, 0, 1, 1, 333_333_333),
        (3.0, 0, 1, 2, 666_666_667),
        (1000.0, 1, 4, 0, 1_000_000),
        (1000.0, 1, 4, 1, 5_000_000),
        (1000.0, 3, 4, 2, 11_000_000),
        (7.0, 0, 1, 7_000_000, 1_000_000_000_000_000),
    ] as [(Double, Int, Int, UInt64, UInt64)])
    func intendedTimes(rate: Double, index: Int, loops: Int, sequence: UInt64, offset: UInt64) {
        let start: UInt64 = 5_000_000_000
        let schedule = OpenLoopSchedule(rate: rate, startNanoseconds: start, loopIndex: index, loopCount: loops)
        #expect(schedule.intendedNanoseconds(sequence) == start + offset)
    }

    @Test func loopsShareTheRunWithoutGapsOrOverlap() {
        let loops = 3
        let schedules = (0..<loops).map { OpenLoopSchedule(rate: 900, startNanoseconds: 0, loopIndex: $0, loopCount: loops) }
        var times: [UInt64] = []
        for schedule in schedules { times += (0..<300).map { schedule.intendedNanoseconds($0) } }
        let expected = (0..<900).map { UInt64(($0 * 1_000_000_000 + 450) / 900) }
        #expect(times.sorted() == expected, "the union is exactly one request every 1/900 s")
    }

    @Test(arguments: [1.0, 333.0, 2000.0, 12_345.6])
    func dueCountsAgreeWithIntendedTimes(rate: Double) {
        let schedule = OpenLoopSchedule(rate: rate, startNanoseconds: 1_000, loopIndex: 1, loopCount: 2)
        #expect(schedule.dueCount(at: 999) == 0)
        for sequence: UInt64 in [0, 1, 2, 17, 1000] {
            let at = schedule.intendedNanoseconds(sequence)
            #expect(schedule.dueCount(at: at) == sequence + 1, "due at its own time")
            #expect(schedule.dueCount(at: at - 1) == sequence, "not a nanosecond before")
        }
    }

    @Test func doesNotDriftOverLongRuns() {
        let schedule = OpenLoopSchedule(rate: 100_000, startNanoseconds: 0)
        #expect(schedule.intendedNanoseconds(360_000_000) == 3600 * 1_000_000_000, "an hour at 100k/s lands exactly")
        #expect(schedule.dueCount(at: 3600 * 1_000_000_000) == 360_000_001)
    }
}
