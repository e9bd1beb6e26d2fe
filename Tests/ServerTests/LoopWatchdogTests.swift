import Logging
import Synchronization
import Testing

@testable import Server

/// The watchdog's decisions, driven by made-up loop samples and a made-up clock: a stall is
/// reported and counted once while it lasts, named by the request the loop ran, filed with
/// the length the loop measured when it ends; a stall that ended between two looks is
/// still counted once; a loop that never stays in one iteration for the threshold is
/// never reported.
@Suite("LoopWatchdog")
struct LoopWatchdogTests {
    static let threshold = Duration.milliseconds(100)
    static let millisecond: UInt64 = 1_000_000
    /// Some reading of the loops' clock, and the wall clock at that reading.
    static let start: UInt64 = 5_000 * millisecond
    static let unixAtStart: Int64 = 1_800_000_000_000_000_000

    /// Two loops whose samples and clock the test sets, and what the watchdog logged.
    final class World: Sendable {
        let samples = Mutex([LoopSample(), LoopSample()])
        let now = Mutex(LoopWatchdogTests.start)
        let lines = Mutex<[(level: Logger.Level, message: String, metadata: [String: String])]>([])
        let described = Mutex(0)

        func set(_ loop: Int, _ sample: LoopSample) { samples.withLock { $0[loop] = sample } }
        func at(_ milliseconds: UInt64) { now.withLock { $0 = LoopWatchdogTests.start + milliseconds * LoopWatchdogTests.millisecond } }
        var logged: [(level: Logger.Level, message: String, metadata: [String: String])] { lines.withLock { $0 } }

        func watchdog() -> LoopWatchdog {
            let logger = Logger(label: "watchdog-tests") { _ in CapturingHandler(world: self) }
            return LoopWatchdog(
                threshold: LoopWatchdogTests.threshold, loopCount: 2, logger: logger,
                sample: { loop in self.samples.withLock { $0[loop] } },
                histograms: { _ in (.empty, .empty) },
                clock: {
                    let now = self.now.withLock { $0 }
                    return WatchdogTime(continuous: now,
                                        unixNanoseconds: LoopWatchdogTests.unixAtStart + Int64(now - LoopWatchdogTests.start))
                },
                describe: { activity in
                    self.described.withLock { $0 += 1 }
                    if activity.taskAddress == 0xA000 { return StalledRequest(route: "/async", requestID: "task-1") }
                    if activity.requestTag == 7 { return StalledRequest(route: "/plaintext", requestID: "req-7") }
                    return nil
                })
        }
    }

    struct CapturingHandler: LogHandler {
        let world: World
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).mapValues { "\($0)" }
            world.lines.withLock { $0.append((event.level, "\(event.message)", fields)) }
        }
    }

    /// A loop in the iteration that began at `began` ms, running request tag `tag`.
    static func busy(since began: UInt64, tag: UInt64 = 0, task: UInt64 = 0, stalls: UInt64 = 0) -> LoopSample {
        LoopSample(busySince: start + began * millisecond, requestTag: tag, taskTag: task, stalls: stalls)
    }

    /// A waiting loop that has counted `stalls`, the latest from `began` ms for `length` ms.
    static func waiting(stalls: UInt64, began: UInt64, length: UInt64) -> LoopSample {
        LoopSample(stalls: stalls, lastStallStart: start + began * millisecond, lastStallLength: length * millisecond)
    }

    struct Quiet: Sendable, CustomTestStringConvertible {
        var sample: LoopSample
        var atMilliseconds: UInt64
        var testDescription: String
    }

    @Test(arguments: [
        Quiet(sample: LoopSample(), atMilliseconds: 500, testDescription: "waiting in epoll_wait"),
        Quiet(sample: busy(since: 0, tag: 7), atMilliseconds: 50, testDescription: "busy for half the threshold"),
        Quiet(sample: LoopSample(busySince: start, requestTag: 7), atMilliseconds: 99, testDescription: "busy for just under it"),
        Quiet(sample: busy(since: 400), atMilliseconds: 401, testDescription: "a fresh iteration"),
    ])
    func aLoopThatKeepsComingBackIsNeverReported(_ quiet: Quiet) {
        let world = World()
        let watchdog = world.watchdog()
        world.set(0, quiet.sample)
        world.at(quiet.atMilliseconds)
        for _ in 0..<4 { watchdog.check() }
        let report = watchdog.report()
        #expect(report.loops.map(\.stallCount) == [0, 0])
        #expect(report.loops.allSatisfy { $0.currentStall == nil && $0.recentStalls.isEmpty })
        #expect(world.logged.isEmpty)
        #expect(world.described.withLock { $0 } == 0)
    }

    @Test func aStallIsReportedOnceWhileItLastsAndFiledWithItsLengthWhenItEnds() throws {
        let world = World()
        let watchdog = world.watchdog()
        world.set(1, Self.busy(since: 0, tag: 7))
        world.at(60)
        watchdog.check()
        #expect(world.logged.isEmpty, "not yet a stall")
        world.at(125)
        watchdog.check()
        for milliseconds: UInt64 in [150, 175, 200] {  // still the same iteration
            world.at(milliseconds)
            watchdog.check()
        }
        let during = watchdog.report().loops[1]
        let current = try #require(during.currentStall)
        #expect(current.isOngoing)
        #expect(current.duration == .milliseconds(200))
        #expect(current.request == StalledRequest(route: "/plaintext", requestID: "req-7"))
        #expect(current.startedAtUnixNanoseconds == Self.unixAtStart)
        #expect(during.stallCount == 1)
        #expect(world.logged.count == 1)
        let line = try #require(world.logged.first)
        #expect(line.level == .warning)
        #expect(line.message == "event loop stalled")
        #expect(line.metadata == ["loop": "1", "route": "/plaintext", "request_id": "req-7", "stalled_ms": "125",
                                  "threshold_ms": "100"])
        #expect(world.described.withLock { $0 } == 1, "the request is named once per stall")

        // The iteration ends after 212.5 ms, which the loop recorded.
        world.set(1, LoopSample(stalls: 1, lastStallStart: Self.start, lastStallLength: 212_500_000))
        world.at(225)
        watchdog.check()
        let after = watchdog.report().loops[1]
        #expect(after.currentStall == nil)
        #expect(after.stallCount == 1, "the loop's own count of the same stall is not added")
        #expect(after.recentStalls == [LoopStall(loop: 1, startedAtUnixNanoseconds: Self.unixAtStart,
                                                 duration: .microseconds(212_500), isOngoing: false,
                                                 request: StalledRequest(route: "/plaintext", requestID: "req-7"))])
        #expect(world.logged.count == 1)
        #expect(watchdog.report().loops[0].stallCount == 0, "the other loop is not involved")
    }

    @Test func aStallThatEndedBetweenLooksIsCountedLateWithoutItsRequest() throws {
        let world = World()
        let watchdog = world.watchdog()
        world.set(0, Self.waiting(stalls: 1, began: 10, length: 110))
        world.at(130)
        watchdog.check()
        watchdog.check()
        let loop = watchdog.report().loops[0]
        #expect(loop.stallCount == 1)
        #expect(loop.currentStall == nil)
        #expect(loop.recentStalls == [LoopStall(loop: 0, startedAtUnixNanoseconds: Self.unixAtStart + 10_000_000,
                                                duration: .milliseconds(110), isOngoing: false, request: nil)])
        #expect(world.logged.count == 1)
        #expect(world.logged.first?.metadata == ["loop": "0", "stalled_ms": "110", "threshold_ms": "100", "ended": "true"])
    }

    @Test func backToBackStallsCountOnceEach() throws {
        let world = World()
        let watchdog = world.watchdog()
        world.set(0, Self.busy(since: 0, tag: 7))
        world.at(120)
        watchdog.check()
        // The next look finds a second iteration already stalled, and the first one recorded.
        world.set(0, LoopSample(busySince: Self.start + 150 * Self.millisecond, taskTag: 0xA000, stalls: 1,
                                lastStallStart: Self.start, lastStallLength: 150 * Self.millisecond))
        world.at(260)
        watchdog.check()
        let loop = watchdog.report().loops[0]
        #expect(loop.stallCount == 2)
        #expect(loop.recentStalls.map(\.duration) == [.milliseconds(150)])
        #expect(loop.currentStall?.request == StalledRequest(route: "/async", requestID: "task-1"),
                "a task's job is named before a request tag")
        #expect(world.logged.map { $0.metadata["request_id"] } == ["req-7", "task-1"])
    }

    @Test func aStallTheLoopDidNotRecordIsStillCountedOnce() {
        // The loop measured the iteration a hair under the threshold (its clock read comes
        // before the watchdog's): the watchdog's own count stands, and is not doubled.
        let world = World()
        let watchdog = world.watchdog()
        world.set(0, Self.busy(since: 0))
        world.at(101)
        watchdog.check()
        world.set(0, LoopSample())
        world.at(130)
        watchdog.check()
        let loop = watchdog.report().loops[0]
        #expect(loop.stallCount == 1)
        #expect(loop.recentStalls.map(\.duration) == [.milliseconds(101)])
        #expect(loop.recentStalls.first?.request == nil)
        #expect(world.logged.count == 1)
    }

    /// The loop records a stall, then leaves its iteration; a look reads the record, then the
    /// iteration's start. A look between the loop's two writes sees one without the other,
    /// either way round; the stall still counts once.
    @Test func aLookBetweenTheLoopsTwoWritesCountsTheStallOnce() {
        for staleRecord in [true, false] {
            let world = World()
            let watchdog = world.watchdog()
            world.set(0, Self.busy(since: 0, tag: 7))
            world.at(120)
            watchdog.check()
            let recorded = LoopSample(stalls: 1, lastStallStart: Self.start, lastStallLength: 212 * Self.millisecond)
            if staleRecord {
                world.set(0, LoopSample())  // left the iteration; the record not seen yet
            } else {
                var stale = recorded  // recorded; the iteration's start not cleared yet
                stale.busySince = Self.start
                world.set(0, stale)
            }
            world.at(230)
            watchdog.check()
            world.set(0, recorded)
            for milliseconds: UInt64 in [260, 290] {
                world.at(milliseconds)
                watchdog.check()
            }
            let loop = watchdog.report().loops[0]
            #expect(loop.stallCount == 1, "stale \(staleRecord ? "record" : "start")")
            #expect(loop.currentStall == nil)
            #expect(loop.recentStalls.count == 1)
            #expect(world.logged.count == 1)
            if !staleRecord { #expect(loop.recentStalls.first?.duration == .milliseconds(212)) }
        }
    }

    @Test func recentStallsKeepTheLatestSixtyFourNewestFirst() {
        let world = World()
        let watchdog = world.watchdog()
        for stall in 1...70 {
            world.set(0, Self.waiting(stalls: UInt64(stall), began: UInt64(stall) * 1000, length: 100 + UInt64(stall)))
            world.at(UInt64(stall) * 1000 + 500)
            watchdog.check()
        }
        let loop = watchdog.report().loops[0]
        #expect(loop.stallCount == 70)
        #expect(loop.recentStalls.count == LoopWatchdog.recentLimit)
        #expect(loop.recentStalls.first?.duration == .milliseconds(170))
        #expect(loop.recentStalls.last?.duration == .milliseconds(107))
        #expect(world.logged.count == 70)
    }

    @Test func severalStallsBetweenTwoLooksAreAllCounted() {
        let world = World()
        let watchdog = world.watchdog()
        world.set(0, Self.waiting(stalls: 3, began: 400, length: 120))
        world.at(600)
        watchdog.check()
        let loop = watchdog.report().loops[0]
        #expect(loop.stallCount == 3)
        #expect(loop.recentStalls.count == 1, "only the latest is described")
        #expect(world.logged.count == 1)
        #expect(world.logged.first?.metadata["stalls"] == "3")
    }

    @Test func theReportCarriesTheThreshold() {
        let world = World()
        #expect(world.watchdog().report().stallThreshold == Self.threshold)
        #expect(LoopWatchdog.milliseconds(.microseconds(62_340)) == "62.3")
    }
}

/// Quantiles of the loops' histograms, estimated as Prometheus's `histogram_quantile` does.
struct LoopHistogramTests {
    static func histogram(_ counts: [Int: UInt64]) -> LoopHistogram {
        var all = [UInt64](repeating: 0, count: LoopHistogram.upperBoundsNanoseconds.count + 1)
        for (bucket, count) in counts { all[bucket] = count }
        return LoopHistogram(counts: all, sumNanoseconds: 0)
    }

    @Test func bucketsRunFromTenMicrosecondsToOneSecond() {
        #expect(LoopHistogram.upperBoundsNanoseconds.first == 10_000)
        #expect(LoopHistogram.upperBoundsNanoseconds.last == 1_000_000_000)
        #expect(LoopHistogram.upperBoundsNanoseconds == LoopHistogram.upperBoundsNanoseconds.sorted())
    }

    @Test(arguments: [
        // (counts by bucket, quantile, expected seconds)
        ([0: 10], 0.5, 0.000005),              // half-way through 0 ... 10 µs
        ([1: 4], 1.0, 0.000025),               // the top of 10 ... 25 µs
        ([0: 50, 15: 50], 0.99, 0.99),         // 500 ms ... 1 s, 49 of its 50 observations in
        ([16: 3], 0.5, 1.0),                   // above every bound: the largest bound
    ] as [([Int: UInt64], Double, Double)])
    func quantiles(_ counts: [Int: UInt64], _ q: Double, _ expected: Double) throws {
        let estimate = try #require(Self.histogram(counts).quantileSeconds(q))
        #expect(abs(estimate - expected) < 1e-9, "got \(estimate)")
    }

    @Test func anEmptyHistogramHasNoQuantile() {
        #expect(LoopHistogram.empty.quantileSeconds(0.5) == nil)
        #expect(LoopHistogram.empty.count == 0)
    }
}
