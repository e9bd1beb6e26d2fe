@testable import OrderService
import Testing

/// The `stall` fault: at most one blocking stall per period, only while the mode is on.
struct StallFaultTests {
    @Test func stallsOncePerPeriod() {
        let faults = Faults(enabled: [.stall])
        var blocked = 0
        let second: UInt64 = 1_000_000_000
        // (time in ns, whether a stall is expected there)
        let calls: [(UInt64, Bool)] = [
            (5 * second, true), (5 * second + 1, false), (5 * second + second / 2, false),
            (6 * second - 1, false), (6 * second, true), (6 * second + 10, false), (9 * second, true),
        ]
        for (now, expected) in calls {
            #expect(faults.stallIfDue(now: now) { blocked += 1 } == expected, "at \(now) ns")
        }
        #expect(blocked == 3)
    }

    @Test func offByDefaultAndListed() {
        let faults = Faults()
        #expect(!faults.stallIfDue())
        #expect(Faults.Mode(name: "stall") == .stall)
        #expect(Faults.Mode.all.map(\.name).contains("stall"))
        #expect(Faults.Mode.stall.summary.contains("200 ms"))
    }

    @Test func blocksTheCallingThread() {
        let faults = Faults(enabled: [.stall])
        let clock = ContinuousClock()
        let start = clock.now
        #expect(faults.stallIfDue())
        #expect(clock.now - start >= .milliseconds(190))
        #expect(!faults.stallIfDue())  // within the same second
    }
}
