/// The W3C trace id of a traced request's entry, as two 64-bit halves: the registry stores
/// it as numbers, and writes the 32 hex digits only when someone reads the entry.
public struct TaskTraceID: Sendable, Hashable {
    /// The first eight bytes, big-endian.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    /// A trace id from its halves.
    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// No trace (all zeros, which W3C trace context never uses as an id).
    @inlinable
    public static var none: TaskTraceID { TaskTraceID(high: 0, low: 0) }

    /// Whether this is `none`.
    public var isNone: Bool { high == 0 && low == 0 }

    /// 32 lowercase hex digits; empty for `none`.
    public var hex: String {
        if isNone { return "" }
        return String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for (half, offset) in [(high, 0), (low, 16)] {
                for index in 0..<16 {
                    buffer[offset + index] = digits.utf8Start[Int(half >> (60 - 4 * UInt64(index)) & 0xF)]
                }
            }
            return 32
        }
    }
}
