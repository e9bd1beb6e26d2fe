/// One loop as its watchdog samples it (`es_loop_watch`): plain numbers, so that tests can
/// make them up.
package struct LoopSample: Sendable, Equatable {
    /// When the running iteration began (the loop's clock); 0 while it waits in epoll_wait.
    package var busySince: UInt64
    /// What middleware published for the request running in that iteration, or 0.
    package var requestTag: UInt64
    /// The address of the task whose job runs in that iteration, or 0.
    package var taskTag: UInt64
    /// Iterations the loop itself counted as stalls when they ended.
    package var stalls: UInt64
    /// The latest of them: its start (the loop's clock) and length, in nanoseconds.
    package var lastStallStart: UInt64
    package var lastStallLength: UInt64

    package init(busySince: UInt64 = 0, requestTag: UInt64 = 0, taskTag: UInt64 = 0, stalls: UInt64 = 0,
                 lastStallStart: UInt64 = 0, lastStallLength: UInt64 = 0) {
        self.busySince = busySince
        self.requestTag = requestTag
        self.taskTag = taskTag
        self.stalls = stalls
        self.lastStallStart = lastStallStart
        self.lastStallLength = lastStallLength
    }
}

/// One instant on both clocks the watchdog uses: the loops' (`es_clock_continuous_ns`)
/// and the wall clock, to say when a stall began.
package struct WatchdogTime: Sendable, Equatable {
    package var continuous: UInt64
    package var unixNanoseconds: Int64

    package init(continuous: UInt64, unixNanoseconds: Int64) {
        self.continuous = continuous
        self.unixNanoseconds = unixNanoseconds
    }

    /// The wall-clock time of a reading of the loops' clock.
    func unix(_ reading: UInt64) -> Int64 {
        // Signed: a reading taken after `continuous` gives a later time, not a wrapped one.
        unixNanoseconds &- (Int64(bitPattern: continuous) &- Int64(bitPattern: reading))
    }
}

/// Decides, sample by sample, when one loop's stall begins and ends: no clock and no thread
/// of its own, so the watchdog feeds it and tests drive it with made-up samples.
///
/// Two sources, reconciled so that each stall counts once. The watchdog sees a stall while
/// it lasts: the loop has been in one iteration for the threshold or longer (`busySince`);
/// then it names the request the loop runs, and it reports the stall at once. The loop
/// counts every stall itself when the iteration ends (`stalls`, with the latest one's
/// start and length): that gives a live stall its exact length, and catches a stall that
/// ended between two samples (one a little longer than the threshold), which the watchdog
/// then reports late and without its request.
package struct StallDetector: Sendable {
    /// What one sample changed.
    package enum Event: Sendable, Equatable {
        /// A stall seen while it lasts; reported once.
        case began(LoopStall)
        /// A stall seen before ended: its final length.
        case ended(LoopStall)
        /// Stalls that ended before the watchdog saw them: `count` of them, the latest
        /// described (without its request).
        case missed(LoopStall, count: Int)
    }

    let loop: Int
    let threshold: UInt64
    /// The loop's stall count already accounted for.
    private var seenStalls: UInt64 = 0
    /// The stall in progress that the watchdog saw, and its iteration's start.
    private(set) var live: LoopStall?
    private var liveStart: UInt64 = 0
    /// The start of a live stall that ended before the loop's count of it was seen: the
    /// next sample's new count includes it (the loop writes its record before it leaves
    /// the iteration, and the sample reads the record first).
    private var endedBeforeCounted: UInt64 = 0
    /// The iteration start of the last stall reported as ended.
    private var lastEndedStart: UInt64 = 0

    package init(loop: Int, thresholdNanoseconds: UInt64) {
        self.loop = loop
        self.threshold = thresholdNanoseconds
    }

    /// Takes one sample taken at `time`. `describe` names the request a new stall runs.
    package mutating func observe(_ sample: LoopSample, at time: WatchdogTime,
                                  describe: (LoopActivity) -> StalledRequest?) -> [Event] {
        var events: [Event] = []
        var unaccounted = sample.stalls &- seenStalls
        seenStalls = sample.stalls
        if endedBeforeCounted != 0 {
            // The count of a stall already reported as ended: it is the latest record, or
            // one of several new ones. A single new record with another start means the loop
            // measured the ended one under the threshold and never counted it.
            if unaccounted > 0, sample.lastStallStart == endedBeforeCounted || unaccounted > 1 { unaccounted -= 1 }
            endedBeforeCounted = 0
        }
        // A live stall the loop has counted has ended, even if `busySince` (read after the
        // record) still shows its iteration.
        let countedByLoop = live != nil && unaccounted > 0 && sample.lastStallStart == liveStart
        if var ended = live, sample.busySince != liveStart || countedByLoop {
            // The loop left the stalled iteration. It counted it too, so one of its new
            // stalls is this one; its record has the exact length when it is the latest.
            // (Were the loop's measure a hair under the threshold while the watchdog's was
            // over, the loop would not count it; a stall it did count would then go
            // unreported. The two clocks are read microseconds apart: this is left.)
            ended.isOngoing = false
            if sample.lastStallStart == liveStart, unaccounted > 0 {
                ended.duration = .nanoseconds(Int64(clamping: sample.lastStallLength))
            }
            if unaccounted > 0 { unaccounted -= 1 } else { endedBeforeCounted = liveStart }
            lastEndedStart = liveStart
            events.append(.ended(ended))
            live = nil
        }
        if unaccounted > 0 {
            let missed = LoopStall(loop: loop, startedAtUnixNanoseconds: time.unix(sample.lastStallStart),
                                   duration: .nanoseconds(Int64(clamping: sample.lastStallLength)),
                                   isOngoing: false, request: nil)
            events.append(.missed(missed, count: Int(clamping: unaccounted)))
        }
        // An iteration whose stall was reported and ended is not a new stall, whatever a
        // stale `busySince` says.
        guard sample.busySince != 0, sample.busySince != lastEndedStart, time.continuous > sample.busySince,
              time.continuous - sample.busySince >= threshold else { return events }
        let sofar = Duration.nanoseconds(Int64(clamping: time.continuous - sample.busySince))
        if live != nil {
            live?.duration = sofar
            return events
        }
        let request = describe(LoopActivity(loop: loop, requestTag: sample.requestTag, taskAddress: UInt(sample.taskTag)))
        let stall = LoopStall(loop: loop, startedAtUnixNanoseconds: time.unix(sample.busySince), duration: sofar,
                              isOngoing: true, request: request)
        live = stall
        liveStart = sample.busySince
        events.append(.began(stall))
        return events
    }
}
