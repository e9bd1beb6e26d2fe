import Foundation

/// What a run measured, before it is judged and reported.
public struct LoadResult: Sendable {
    /// Wall-clock time at which sending started.
    public var startedAt: Date
    /// From the start of sending to the last answer (or the end of sending, if later).
    public var elapsedSeconds: Double
    public var stats: LoadStats
    /// Per scenario entry, in the scenario's order.
    public var byEntry: [LoadStats]
    /// Second by second, by completion time.
    public var timeline: [Timeline.Point] = []
    public var entryLabels: [String]
    public var sent: UInt64
    /// Open loop: requests that were due but never sent (no connection had room).
    public var unsent: UInt64
    public var connects: UInt64
    /// Connects that spoke HTTP/2.
    public var connectsHTTP2: UInt64 = 0
    /// TLS handshakes that failed (each also a connect error).
    public var tlsFailures: UInt64 = 0
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    /// The slowest responses, slowest first (the incident report's list).
    public var slowest: [SlowRequest] = []
    /// Per scenario entry, its check counts (nil for an entry without `expect`); nil when
    /// no entry has checks.
    public var checks: [CheckStats?]? = nil
    /// With --trace: the slowest responses and the trace context each was sent with.
    public var slowestTraced: [TracedRequest]? = nil
    /// With --trace: requests sent with the sampled flag, and the fraction asked for.
    public var traceSampled: UInt64? = nil
    public var traceSampling: Double? = nil
}
