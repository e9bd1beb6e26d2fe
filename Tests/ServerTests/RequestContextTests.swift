import Logging
import Testing

@testable import Server

/// `receivedAt` is kept as the shim's nanosecond stamp and converted on demand: what a
/// handler or a test sets is what it reads back, and latency is measured from it.
struct RequestContextTests {
    static let logger = Logger(label: "context-tests")

    @Test(arguments: [Duration.zero, .milliseconds(5), .seconds(3), .seconds(-2), .nanoseconds(1)])
    func receivedAtReadsBackWhatWasSet(offset: Duration) {
        var context = RequestContext(logger: Self.logger)
        let instant = ContinuousClock.now.advanced(by: offset)
        context.receivedAt = instant
        let difference = context.receivedAt - instant
        #expect(difference < .nanoseconds(2) && difference > .nanoseconds(-2), "off by \(difference)")
    }

    @Test func aNewContextWasReceivedNow() {
        let before = ContinuousClock.now
        let context = RequestContext(logger: Self.logger)
        let after = ContinuousClock.now
        #expect(context.receivedAt >= before - .microseconds(1) && context.receivedAt <= after + .microseconds(1))
    }

    @Test func elapsedTimeCountsFromReceivedAt() {
        var context = RequestContext(logger: Self.logger)
        context.receivedAt = ContinuousClock.now - .milliseconds(40)
        let elapsed = ContinuousNanoseconds.elapsed(from: context.receivedNanoseconds, to: ContinuousNanoseconds.now())
        #expect(elapsed >= 40_000_000 && elapsed < 10_000_000_000, "\(elapsed) ns")
        // A stamp from the future (a clock step, a test) gives 0, not a wrapped value.
        context.receivedAt = ContinuousClock.now + .seconds(1)
        #expect(ContinuousNanoseconds.elapsed(from: context.receivedNanoseconds, to: ContinuousNanoseconds.now()) == 0)
    }
}
