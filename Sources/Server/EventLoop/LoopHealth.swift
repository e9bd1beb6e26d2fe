import CEventShim

/// One event loop's health: how long its iterations take, how late its timers run, and
/// the stalls its watchdog saw (`HTTPServer.loopHealth`).
public struct EventLoopHealth: Sendable {
    /// The loop's index among its server's loops.
    public var index: Int
    /// Iteration lengths: from one return of `epoll_wait` to the next call of it.
    public var iterations: LoopHistogram
    /// How late timers (sleeps on the loop) ran: when they ran minus when they were due.
    public var lag: LoopHistogram
    /// Stalls since the server started: iterations that lasted the stall threshold or longer.
    public var stallCount: Int
    /// The stall going on now, if the watchdog has seen one; its `duration` so far.
    public var currentStall: LoopStall?
    /// Stalls that ended, newest first, at most `LoopWatchdog.recentLimit`.
    public var recentStalls: [LoopStall]

    /// A loop's figures as read (`HTTPServer.loopHealth`; tests make their own).
    public init(index: Int, iterations: LoopHistogram, lag: LoopHistogram, stallCount: Int = 0,
                currentStall: LoopStall? = nil, recentStalls: [LoopStall] = []) {
        self.index = index
        self.iterations = iterations
        self.lag = lag
        self.stallCount = stallCount
        self.currentStall = currentStall
        self.recentStalls = recentStalls
    }
}

/// Every loop of a server, and the threshold its watchdog uses (`nil`: no watchdog).
public struct LoopHealthReport: Sendable {
    /// Iterations this long or longer are stalls; `nil` when the server has no watchdog.
    public var stallThreshold: Duration?
    /// One entry per loop, in loop order.
    public var loops: [EventLoopHealth]

    /// A report of `loops` under `stallThreshold`.
    public init(stallThreshold: Duration?, loops: [EventLoopHealth]) {
        self.stallThreshold = stallThreshold
        self.loops = loops
    }
}

/// A histogram of durations with the loops' fixed buckets, from 10 µs to 1 s.
public struct LoopHistogram: Sendable, Equatable {
    /// The buckets' upper bounds in nanoseconds; a last bucket holds what is above them all.
    public static let upperBoundsNanoseconds: [Int64] = withUnsafeBytes(of: es_health_bounds_ns) { raw in
        raw.bindMemory(to: UInt64.self).map { Int64($0) }
    }

    /// Per-bucket counts, not cumulative: one per upper bound, then the rest.
    public var counts: [UInt64]
    /// The sum of every observation.
    public var sumNanoseconds: UInt64

    /// A histogram of `counts` (one per upper bound, then the rest) adding up to `sumNanoseconds`.
    public init(counts: [UInt64], sumNanoseconds: UInt64) {
        precondition(counts.count == Self.upperBoundsNanoseconds.count + 1, "one count per bucket, and the rest")
        self.counts = counts
        self.sumNanoseconds = sumNanoseconds
    }

    /// No observations.
    public static var empty: LoopHistogram {
        LoopHistogram(counts: [UInt64](repeating: 0, count: upperBoundsNanoseconds.count + 1), sumNanoseconds: 0)
    }

    init(_ histogram: es_health_histogram) {
        var histogram = histogram
        counts = withUnsafeBytes(of: &histogram.counts) { Array($0.bindMemory(to: UInt64.self)) }
        sumNanoseconds = histogram.sum_ns
    }

    /// Observations in all.
    public var count: UInt64 { counts.reduce(0, &+) }

    /// The `q` quantile in seconds, estimated from the buckets as Prometheus's
    /// `histogram_quantile` does (linearly within a bucket; the largest bound for what lies
    /// beyond it); `nil` without observations.
    public func quantileSeconds(_ q: Double) -> Double? {
        let total = count
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var below: UInt64 = 0
        let bounds = Self.upperBoundsNanoseconds
        for (index, bucket) in counts.enumerated() {
            guard Double(below + bucket) >= rank, bucket > 0 else {
                below += bucket
                continue
            }
            guard index < bounds.count else { return Double(bounds[bounds.count - 1]) / 1e9 }
            let lower = index == 0 ? 0 : Double(bounds[index - 1])
            let upper = Double(bounds[index])
            return (lower + (upper - lower) * (rank - Double(below)) / Double(bucket)) / 1e9
        }
        return Double(bounds[bounds.count - 1]) / 1e9
    }
}

/// A stall: one iteration of a loop that ran for the stall threshold or longer, during
/// which every connection on the loop waited.
public struct LoopStall: Sendable, Equatable {
    /// The loop's index.
    public var loop: Int
    /// When the iteration began, in nanoseconds since the Unix epoch.
    public var startedAtUnixNanoseconds: Int64
    /// How long it lasted, or has lasted so far while `isOngoing`.
    public var duration: Duration
    /// Whether the loop is still in that iteration.
    public var isOngoing: Bool
    /// The request the loop was running when the watchdog saw the stall; `nil` when it ran
    /// none that it named, or when the stall ended before the watchdog looked.
    public var request: StalledRequest?

    /// A stall of `loop` that began at `startedAtUnixNanoseconds` and has lasted `duration`.
    public init(loop: Int, startedAtUnixNanoseconds: Int64, duration: Duration, isOngoing: Bool, request: StalledRequest?) {
        self.loop = loop
        self.startedAtUnixNanoseconds = startedAtUnixNanoseconds
        self.duration = duration
        self.isOngoing = isOngoing
        self.request = request
    }
}

/// The request a stalled loop was running.
public struct StalledRequest: Sendable, Equatable {
    /// The route template, such as `/plaintext`.
    public var route: String
    /// The request's id (its `X-Request-Id`).
    public var requestID: String

    /// The request of `route` with id `requestID`.
    public init(route: String, requestID: String) {
        self.route = route
        self.requestID = requestID
    }
}

/// What a stalled loop said it was running, for `ServerConfiguration.stalledRequest` to
/// name: the tag middleware published with `EventLoop.publishRunningRequest` while the
/// stalled iteration ran a request inline, or the address of the Swift task whose job it
/// was running. Zero when there was none.
public struct LoopActivity: Sendable, Equatable {
    /// The loop's index.
    public var loop: Int
    /// The tag published for the request running on the loop, or 0.
    public var requestTag: UInt64
    /// The address of the task whose job the loop was running (comparable with
    /// `withUnsafeCurrentTask`'s task), or 0.
    public var taskAddress: UInt

    /// What loop `loop` published.
    public init(loop: Int, requestTag: UInt64, taskAddress: UInt) {
        self.loop = loop
        self.requestTag = requestTag
        self.taskAddress = taskAddress
    }
}
