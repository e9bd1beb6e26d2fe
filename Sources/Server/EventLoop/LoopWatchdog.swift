#if canImport(Glibc)
import Glibc
#endif
import CEventShim
import Logging
import Synchronization

/// A thread that notices event loops that have not come back to `epoll_wait` within the
/// stall threshold, as Envoy's watchdog does for its dispatchers.
///
/// Each loop keeps, in memory of its own, when its running iteration began (0 while it
/// waits), what it runs, and its own count of stalls (es_loop.h, "Loop health"); the loops
/// take no lock and make no call for it. The watchdog samples them every quarter of the
/// threshold and does everything else: it names the stalled request
/// (`ServerConfiguration.stalledRequest`), logs a warning once per stall, counts it, and
/// keeps the last `recentLimit` stalls per loop for `/debug/loops`.
public final class LoopWatchdog: Sendable {
    /// Ended stalls kept per loop.
    public static let recentLimit = 64

    /// Iterations this long or longer are stalls.
    public let threshold: Duration
    let loopCount: Int
    let logger: Logger
    let sample: @Sendable (Int) -> LoopSample
    let histograms: @Sendable (Int) -> (iterations: LoopHistogram, lag: LoopHistogram)
    let clock: @Sendable () -> WatchdogTime
    let describe: @Sendable (LoopActivity) -> StalledRequest?
    private let state: Mutex<State>
    private let stopped = Atomic<Bool>(false)

    struct State: ~Copyable {
        var detectors: [StallDetector]
        var counts: [Int]
        /// Per loop, oldest first.
        var recent: [[LoopStall]]
    }

    /// A watchdog over `loopCount` loops that reads them through `sample` and `histograms`,
    /// and the time through `clock` (tests pass made-up ones; `HTTPServer` passes its loops).
    package init(threshold: Duration, loopCount: Int, logger: Logger,
                 sample: @escaping @Sendable (Int) -> LoopSample,
                 histograms: @escaping @Sendable (Int) -> (iterations: LoopHistogram, lag: LoopHistogram),
                 clock: @escaping @Sendable () -> WatchdogTime = LoopWatchdog.now,
                 describe: @escaping @Sendable (LoopActivity) -> StalledRequest?) {
        self.threshold = threshold
        self.loopCount = loopCount
        self.logger = logger
        self.sample = sample
        self.histograms = histograms
        self.clock = clock
        self.describe = describe
        let nanoseconds = UInt64(clamping: threshold.nanoseconds)
        state = Mutex(State(detectors: (0..<loopCount).map { StallDetector(loop: $0, thresholdNanoseconds: nanoseconds) },
                            counts: [Int](repeating: 0, count: loopCount),
                            recent: [[LoopStall]](repeating: [], count: loopCount)))
    }

    /// Samples every loop once: reports and counts new stalls, and files ended ones.
    package func check() {
        var fresh: [StallDetector.Event] = []
        state.withLock { state in
            for loop in 0..<loopCount {
                // The time is read after the sample (and per loop, since naming a stalled
                // request may wait a little), so no sample is ever later than its time.
                let reading = sample(loop)
                let events = state.detectors[loop].observe(reading, at: clock(), describe: describe)
                for event in events {
                    switch event {
                    case .began:
                        state.counts[loop] += 1
                    case .ended(let stall):
                        Self.file(stall, in: &state.recent[loop])
                    case .missed(let stall, let count):
                        state.counts[loop] += count
                        Self.file(stall, in: &state.recent[loop])
                    }
                }
                fresh += events
            }
        }
        // Logged outside the lock: a log line may block (a full pipe), and a scrape that
        // wants the state must not wait for it.
        for event in fresh { log(event) }
    }

    private static func file(_ stall: LoopStall, in recent: inout [LoopStall]) {
        recent.append(stall)
        if recent.count > recentLimit { recent.removeFirst(recent.count - recentLimit) }
    }

    private func log(_ event: StallDetector.Event) {
        let thresholdMilliseconds = "\(Self.milliseconds(threshold))"
        switch event {
        case .began(let stall):
            var metadata: Logger.Metadata = ["loop": "\(stall.loop)", "stalled_ms": "\(Self.milliseconds(stall.duration))",
                                             "threshold_ms": "\(thresholdMilliseconds)"]
            if let request = stall.request {
                metadata["route"] = "\(request.route)"
                metadata["request_id"] = "\(request.requestID)"
            }
            logger.warning("event loop stalled", metadata: metadata)
        case .missed(let stall, let count):
            // It ended between two looks: its length is known, its request is not.
            var metadata: Logger.Metadata = ["loop": "\(stall.loop)", "stalled_ms": "\(Self.milliseconds(stall.duration))",
                                             "threshold_ms": "\(thresholdMilliseconds)", "ended": "true"]
            if count > 1 { metadata["stalls"] = "\(count)" }
            logger.warning("event loop stalled", metadata: metadata)
        case .ended:
            break  // once per stall: its length is in /debug/loops
        }
    }

    /// Every loop's histograms, stall count, current stall and recent stalls, as of now.
    public func report() -> LoopHealthReport {
        check()
        let loops = state.withLock { state in
            (0..<loopCount).map { loop in
                (count: state.counts[loop], current: state.detectors[loop].live,
                 recent: Array(state.recent[loop].reversed()))
            }
        }
        return LoopHealthReport(stallThreshold: threshold, loops: loops.enumerated().map { index, loop in
            let (iterations, lag) = histograms(index)
            return EventLoopHealth(index: index, iterations: iterations, lag: lag, stallCount: loop.count,
                                   currentStall: loop.current, recentStalls: loop.recent)
        })
    }

    /// Starts the thread that checks every quarter of the threshold until `stop`.
    func start(name: String) {
        let period = max(UInt64(1_000_000), UInt64(clamping: threshold.nanoseconds) / 4)
        LoopThread.start(name: name) { [self] in
            while !stopped.load(ordering: .relaxed) {
                var pause = timespec(tv_sec: Int(period / 1_000_000_000), tv_nsec: Int(period % 1_000_000_000))
                var left = timespec()
                while nanosleep(&pause, &left) != 0 && errno == EINTR { pause = left }
                check()
            }
        }
    }

    /// Ends the thread after its current sleep.
    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Both clocks, now.
    @Sendable package static func now() -> WatchdogTime {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        return WatchdogTime(continuous: es_clock_continuous_ns(),
                            unixNanoseconds: Int64(wall.tv_sec) * 1_000_000_000 + Int64(wall.tv_nsec))
    }

    /// Milliseconds to a tenth: "62.3", "100".
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10_000 + attoseconds / 100_000_000_000_000
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return whole.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max : whole + attoseconds / 1_000_000_000
    }
}
