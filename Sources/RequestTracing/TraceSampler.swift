import W3CTraceContext

/// Parent-based sampling with a ratio for new traces, as OpenTelemetry's
/// `ParentBased(TraceIdRatioBased(ratio))`: a span with a parent follows the parent's
/// sampled flag, both ways; a new trace is sampled when its trace id's last eight bytes,
/// read as a number, fall under `ratio` of their range. So every service that samples by the
/// same ratio keeps the same traces.
public struct TraceSampler: Sendable {
    /// The share of new traces kept, 0...1.
    public let ratio: Double
    private let bound: UInt64

    /// A sampler keeping `ratio` of new traces (clamped to 0...1).
    public init(ratio: Double) {
        let ratio = ratio.isNaN ? 0 : min(1, max(0, ratio))
        self.ratio = ratio
        bound = ratio >= 1 ? .max : UInt64(ratio * 18_446_744_073_709_551_616.0)
    }

    /// Whether a span of `traceID` is sampled, given its parent's flags (nil: a new trace).
    public func isSampled(traceID: TraceID, parentFlags: TraceFlags?) -> Bool {
        if let parentFlags { return parentFlags.contains(.sampled) }
        return isSampled(newTraceLowBits: withUnsafeBytes(of: traceID.bytes) {
            UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        })
    }

    /// Whether a new trace whose id ends in the eight bytes `low` (big-endian) is sampled.
    public func isSampled(newTraceLowBits low: UInt64) -> Bool {
        if ratio >= 1 { return true }
        if ratio <= 0 { return false }
        return low < bound
    }
}
