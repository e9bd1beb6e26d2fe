/// `--trace`: a W3C traceparent on every request, a new trace id per request sent.
///
/// A trace id is the loop's random 8-byte prefix (its last byte the loop's index, so loops
/// never share one) followed by a bijective mix of the loop's request counter: ids never
/// repeat within a run. The sampled flag is set when the id's last 8 bytes fall below
/// `sampling` x 2^64, so about that fraction of requests carry it, and a receiver that
/// samples by trace id agrees.
public struct TraceSettings: Sendable, Equatable {
    /// The share of requests sent with the sampled flag, 0...1.
    public var sampling: Double
    /// How many of the slowest responses keep their trace ids for the report.
    public var slowest: Int

    public init(sampling: Double = 1, slowest: Int = 10) {
        self.sampling = sampling
        self.slowest = slowest
    }

    /// One loop's part: what lc_trace_format needs.
    public struct Loop: Sendable, Equatable {
        public var prefix: UInt64
        public var sampledBelow: UInt64
    }

    /// The ids' threshold: sampled when the last 8 bytes are below it (UInt64.max: always).
    public var sampledBelow: UInt64 {
        if sampling >= 1 { return .max }
        if sampling <= 0 { return 0 }
        return UInt64(sampling * 18_446_744_073_709_551_616.0)
    }

    /// Loop `index`'s prefix and threshold, from a per-run random value.
    public func loop(_ index: Int, runPrefix: UInt64) -> Loop {
        var prefix = (runPrefix & ~0xFF) | UInt64(index & 0xFF)
        if prefix == 0 { prefix = 0x100 } // an all-zero id half is allowed, but a zero prefix is not worth it
        return Loop(prefix: prefix, sampledBelow: sampledBelow)
    }
}
