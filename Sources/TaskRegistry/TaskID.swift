/// The identity of one registered unit of work: the shard that registered it and that
/// shard's sequence number, written `shard:sequence` (for example `3:1042`).
///
/// Ids are unique for the life of a registry and never reused. The shard part says which
/// event loop started the work (the overflow shard is the last index).
public struct TaskID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Shard in the top 16 bits, sequence in the low 48: one word, cheap to store and compare.
    let rawValue: UInt64

    init(shard: Int, sequence: UInt64) {
        rawValue = UInt64(truncatingIfNeeded: shard) << 48 | (sequence & Self.sequenceMask)
    }

    /// Parses the `shard:sequence` form of `description`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let shard = UInt16(parts[0]), let sequence = UInt64(parts[1]),
              sequence <= Self.sequenceMask else { return nil }
        self.init(shard: Int(shard), sequence: sequence)
    }

    static let sequenceMask: UInt64 = (1 << 48) - 1

    /// The index of the shard that registered the task.
    public var shard: Int { Int(rawValue >> 48) }
    /// The registering shard's counter value for this task (starts at 1).
    public var sequence: UInt64 { rawValue & Self.sequenceMask }

    public var description: String { "\(shard):\(sequence)" }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }
}
