/// Protobuf's wire format, as much of it as OTLP spans and pprof profiles use: varints,
/// fixed-width numbers and length-delimited fields (strings, bytes, nested messages),
/// appended to a byte array.
///
/// A nested message is preceded by its length, so it is sized before it is written: each
/// `…Size` function gives the exact number of bytes the matching `append…` writes, and the
/// two are kept side by side so that they cannot drift apart unnoticed (the tests decode
/// every kind of field with swift-protobuf's generated messages).
///
/// Everything is `@inlinable`: the span encoder calls these per field on the request path,
/// and across the module boundary a plain call would cost each field a function call.
public struct ProtobufWriter: ProtobufOutput {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// A writer appending to `bytes`.
    @inlinable
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Wire types: how a field's value is laid out.
    public enum WireType: UInt64, Sendable {
        /// Varint, 64-bit, length-delimited and 32-bit: the four wire types still in use.
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    // MARK: Sizes

    /// Bytes in the varint of `value`.
    @inlinable @inline(__always)
    public static func varintSize(_ value: UInt64) -> Int {
        // 7 bits per byte; a zero still takes one.
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    /// Bytes in a field's key (its number and wire type).
    @inlinable @inline(__always)
    public static func keySize(_ field: UInt64) -> Int { varintSize(field << 3) }

    /// Bytes in a length-delimited field whose content is `length` bytes.
    @inlinable @inline(__always)
    public static func lengthDelimitedSize(_ field: UInt64, length: Int) -> Int {
        keySize(field) + varintSize(UInt64(length)) + length
    }

    /// Bytes in a varint field.
    @inlinable @inline(__always)
    public static func varintFieldSize(_ field: UInt64, _ value: UInt64) -> Int { keySize(field) + varintSize(value) }

    // MARK: Writing

    /// One byte.
    @inlinable @inline(__always)
    public mutating func appendByte(_ byte: UInt8) { bytes.append(byte) }

    /// Bytes as they are.
    @inlinable @inline(__always)
    public mutating func appendRaw(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }

    /// A string's UTF-8 bytes.
    @inlinable @inline(__always)
    public mutating func appendUTF8(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A packed repeated varint field (proto3's encoding of `repeated uint64` and `int64`):
    /// one length-delimited field holding the varints back to back. Nothing for no values.
    @inlinable
    public mutating func appendPackedVarintField(_ field: UInt64, _ values: some Collection<UInt64>) {
        guard !values.isEmpty else { return }
        appendLengthDelimitedHeader(field, length: values.reduce(0) { $0 + Self.varintSize($1) })
        for value in values { appendVarint(value) }
    }

    /// A message field whose content `writeContent` appends to `scratch`, a writer the caller
    /// keeps (and reuses) for nested content: the content is written first to learn its
    /// length, then copied after the key and length. For small messages (pprof's), where
    /// sizing by hand as the span encoder does would be more code than it saves.
    @inlinable
    public mutating func appendMessageField(_ field: UInt64, scratch: inout ProtobufWriter,
                                            _ writeContent: (inout ProtobufWriter) -> Void) {
        let start = scratch.bytes.count
        writeContent(&scratch)
        appendLengthDelimitedHeader(field, length: scratch.bytes.count - start)
        bytes.append(contentsOf: scratch.bytes[start...])
        scratch.bytes.removeSubrange(start...)
    }
}
