/// Where protobuf's wire format is written: a growing array (`ProtobufWriter`), memory the
/// caller sized (`ProtobufCursor`), or nowhere, only counted (`ProtobufCounter`).
///
/// An encoder written once against this protocol, generic and specialized, writes to any of
/// them: the span encoder writes a span into a buffer on the stack with plain stores (and
/// counts it first only when it does not fit), where appending byte by byte to an array
/// checks the array's uniqueness and capacity for every byte.
public protocol ProtobufOutput {
    /// One byte.
    mutating func appendByte(_ byte: UInt8)
    /// Bytes as they are.
    mutating func appendRaw(_ raw: UnsafeRawBufferPointer)
    /// A string's UTF-8 bytes.
    mutating func appendUTF8(_ text: String)
    /// A varint: seven bits per byte, low bits first, the high bit set on all but the last.
    mutating func appendVarint(_ value: UInt64)
}

extension ProtobufOutput {
    @inlinable @inline(__always)
    public mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            appendByte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        appendByte(UInt8(value))
    }

    /// A field's key.
    @inlinable @inline(__always)
    public mutating func appendKey(_ field: UInt64, _ wireType: ProtobufWriter.WireType) {
        appendVarint(field << 3 | wireType.rawValue)
    }

    /// A varint field (uint32, uint64, int64 as two's complement, bool, enum).
    @inlinable
    public mutating func appendVarintField(_ field: UInt64, _ value: UInt64) {
        appendKey(field, .varint)
        appendVarint(value)
    }

    /// A fixed64 field (fixed64, double), little-endian.
    @inlinable
    public mutating func appendFixed64Field(_ field: UInt64, _ value: UInt64) {
        appendKey(field, .fixed64)
        withUnsafeBytes(of: value.littleEndian) { appendRaw($0) }
    }

    /// A fixed32 field, little-endian.
    @inlinable
    public mutating func appendFixed32Field(_ field: UInt64, _ value: UInt32) {
        appendKey(field, .fixed32)
        withUnsafeBytes(of: value.littleEndian) { appendRaw($0) }
    }

    /// The key and length of a length-delimited field whose content the caller writes next.
    @inlinable
    public mutating func appendLengthDelimitedHeader(_ field: UInt64, length: Int) {
        appendKey(field, .lengthDelimited)
        appendVarint(UInt64(length))
    }

    /// A string field.
    @inlinable
    public mutating func appendStringField(_ field: UInt64, _ value: String) {
        appendLengthDelimitedHeader(field, length: value.utf8.count)
        appendUTF8(value)
    }

    /// A bytes field.
    @inlinable
    public mutating func appendBytesField(_ field: UInt64, _ value: UnsafeRawBufferPointer) {
        appendLengthDelimitedHeader(field, length: value.count)
        appendRaw(value)
    }
}

/// Writes into a buffer the caller provides: plain stores behind one bounds check each. What
/// does not fit is not written, and `overflowed` says so: the caller then counts
/// (`ProtobufCounter`) and writes again into a buffer of the exact size.
public struct ProtobufCursor: ProtobufOutput {
    /// Where the next byte goes.
    public var next: UnsafeMutablePointer<UInt8>
    /// The buffer's end.
    public let end: UnsafeMutablePointer<UInt8>
    /// Whether something did not fit (the bytes written since are incomplete).
    public var overflowed = false

    /// A cursor at the start of `buffer`.
    @inlinable
    public init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        next = buffer.baseAddress!
        end = next + buffer.count
    }

    @inlinable @inline(__always)
    public mutating func appendByte(_ byte: UInt8) {
        guard next < end else { overflowed = true; return }
        next.initialize(to: byte)
        next += 1
    }

    @inlinable @inline(__always)
    public mutating func appendRaw(_ raw: UnsafeRawBufferPointer) {
        guard raw.count <= end - next else { overflowed = true; return }
        guard let base = raw.baseAddress else { return }
        UnsafeMutableRawPointer(next).copyMemory(from: base, byteCount: raw.count)
        next += raw.count
    }

    @inlinable @inline(__always)
    public mutating func appendUTF8(_ text: String) {
        // A native string is contiguous UTF-8; another kind is copied byte by byte.
        let copied = text.utf8.withContiguousStorageIfAvailable { appendRaw(UnsafeRawBufferPointer($0)) }
        if copied == nil { for byte in text.utf8 { appendByte(byte) } }
    }
}

/// Counts the bytes an encoder would write, and writes none.
public struct ProtobufCounter: ProtobufOutput {
    /// Bytes so far.
    public var count = 0

    /// A counter at zero.
    @inlinable
    public init() {}

    @inlinable @inline(__always)
    public mutating func appendByte(_ byte: UInt8) { count += 1 }

    @inlinable @inline(__always)
    public mutating func appendRaw(_ raw: UnsafeRawBufferPointer) { count += raw.count }

    @inlinable @inline(__always)
    public mutating func appendUTF8(_ text: String) { count += text.utf8.count }

    @inlinable @inline(__always)
    public mutating func appendVarint(_ value: UInt64) { count += ProtobufWriter.varintSize(value) }
}
