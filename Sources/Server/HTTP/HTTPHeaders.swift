/// Header fields of a request or response, in the order they were received or added.
///
/// Our own type rather than swift-http-types' `HTTPFields`, which builds a validated
/// `String` name and value per field. Here every field is one record,
/// `[name length: UInt32][value length: UInt32][name][value]`, and the records sit back to
/// back in a 64-byte inline buffer until they outgrow it, then in one array. So a response
/// that gains the request id echo and one more short field (a `Cache-Control: no-store`, a
/// user middleware's header) allocates nothing, and a request's
/// whole block is copied out of the read buffer with at most one allocation. Fields are
/// few, so lookups walk the records; name lookup is ASCII case-insensitive.
public struct HTTPHeaders: Sendable, Equatable {
    /// Where one field's name and value are, as offsets into the records.
    struct Entry: Sendable, Equatable {
        var nameStart: Int
        var nameLength: Int
        var valueStart: Int
        var valueLength: Int

        /// The offset of the record after this one.
        var end: Int { valueStart + valueLength }
    }

    /// The size of a record's two length prefixes.
    static let prefixSize = 8

    /// The inline buffer's bytes.
    typealias InlineBytes = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    static let inlineCapacity = MemoryLayout<InlineBytes>.size

    private var inlineBytes: InlineBytes = (0, 0, 0, 0, 0, 0, 0, 0)
    private var inlineCount: UInt8 = 0
    /// The records once they no longer fit inline; empty until then.
    private var heapBytes: [UInt8] = []
    private var usesHeap = false
    /// The number of fields.
    public private(set) var count = 0

    /// Creates an empty set of fields.
    public init() {}

    /// Creates fields from name-value pairs.
    public init(_ fields: [(String, String)]) {
        self.init()
        for (name, value) in fields { add(name: name, value: value) }
    }

    /// Creates fields whose records total `capacity` bytes (see `recordBytes`), written by
    /// `write` through `appendRecord`.
    init(capacity: Int, _ write: (inout HTTPHeaders) -> Void) {
        self.init()
        if capacity > Self.inlineCapacity {
            heapBytes.reserveCapacity(capacity)
            usesHeap = true
        }
        write(&self)
    }

    /// The record bytes of `fields` fields whose names and values total `textBytes`.
    static func recordBytes(fields: Int, textBytes: Int) -> Int { fields * prefixSize + textBytes }

    public var isEmpty: Bool { count == 0 }

    /// The bytes of all records.
    var byteCount: Int { usesHeap ? heapBytes.count : Int(inlineCount) }

    /// Calls `body` with the records' bytes; the pointer is valid only inside.
    func withUnsafeRecordBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if usesHeap { return try heapBytes.withUnsafeBytes(body) }
        return try withUnsafeBytes(of: inlineBytes) { try body(UnsafeRawBufferPointer(rebasing: $0[..<Int(inlineCount)])) }
    }

    /// Appends a field. Names must be tokens and values must not contain CR, LF or NUL;
    /// invalid fields are dropped, so a handler can never split a response.
    public mutating func add(name: String, value: String) {
        // One pass each over the bytes in place: checked, then copied into the record.
        var name = name, value = value
        name.withUTF8 { nameBytes in
            value.withUTF8 { valueBytes in
                guard Self.isValidName(nameBytes), Self.isValidValue(valueBytes) else { return }
                appendRecord(name: UnsafeRawBufferPointer(nameBytes), value: UnsafeRawBufferPointer(valueBytes))
            }
        }
    }

    /// Appends a field whose name and value the caller has already validated (such as a
    /// request id it generated or checked against a stricter alphabet): the per-response
    /// path skips a second scan.
    package mutating func add(validatedName name: String, value: String) {
        var name = name, value = value
        name.withUTF8 { nameBytes in
            value.withUTF8 { valueBytes in
                appendRecord(name: UnsafeRawBufferPointer(nameBytes), value: UnsafeRawBufferPointer(valueBytes))
            }
        }
    }

    /// Appends one field's record, inline while it fits.
    mutating func appendRecord(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        precondition(name.count <= Int(UInt32.max) && value.count <= Int(UInt32.max), "header field too large")
        let size = Self.prefixSize + name.count + value.count
        if !usesHeap {
            let start = Int(inlineCount)
            if start + size <= Self.inlineCapacity {
                withUnsafeMutableBytes(of: &inlineBytes) { buffer in
                    Self.writeRecord(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<start + size]), name, value)
                }
                inlineCount += UInt8(size)
                count += 1
                return
            }
            // Outgrown: move the records to the heap, with room to grow.
            heapBytes.reserveCapacity(Swift.max(128, 2 * (start + size)))
            withUnsafeBytes(of: inlineBytes) { heapBytes.append(contentsOf: $0[..<start]) }
            usesHeap = true
        }
        let start = heapBytes.count
        heapBytes.append(contentsOf: repeatElement(0, count: size))
        heapBytes.withUnsafeMutableBytes { buffer in
            Self.writeRecord(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<start + size]), name, value)
        }
        count += 1
    }

    private static func writeRecord(into buffer: UnsafeMutableRawBufferPointer, _ name: UnsafeRawBufferPointer,
                                    _ value: UnsafeRawBufferPointer) {
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: name.count).littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: value.count).littleEndian, toByteOffset: 4, as: UInt32.self)
        if let base = name.baseAddress, !name.isEmpty {
            (buffer.baseAddress! + prefixSize).copyMemory(from: base, byteCount: name.count)
        }
        if let base = value.baseAddress, !value.isEmpty {
            (buffer.baseAddress! + prefixSize + name.count).copyMemory(from: base, byteCount: value.count)
        }
    }

    /// Replaces every field named `name` with one field (or removes them for `nil`).
    public subscript(name: String) -> String? {
        get { first(name) }
        set {
            remove(name: name)
            if let newValue { add(name: name, value: newValue) }
        }
    }

    /// The first value of the field `name`, or `nil` when absent.
    public func first(_ name: String) -> String? {
        firstEntry(name).map(value(of:))
    }

    /// Whether there is a field named `name`: a scan, and no value made.
    public func contains(_ name: String) -> Bool {
        firstEntry(name) != nil
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        let length = name.utf8.count
        var values: [String] = []
        withUnsafeRecordBytes { raw in
            Self.forEachEntry(in: raw) { entry in
                // Lengths first, as `firstEntry` does: most requests have no such field.
                if entry.nameLength == length,
                   Self.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: raw[entry.nameStart..<entry.nameStart + length]), name.utf8) {
                    values.append(String(decoding: raw[entry.valueStart..<entry.end], as: UTF8.self))
                }
                return true
            }
        }
        return values
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        guard firstEntry(name) != nil else { return }
        var kept = HTTPHeaders()
        withUnsafeRecordBytes { raw in
            forEachEntry { entry in
                if !nameMatches(entry, name) {
                    kept.appendRecord(name: UnsafeRawBufferPointer(rebasing: raw[entry.nameStart..<entry.nameStart + entry.nameLength]),
                                      value: UnsafeRawBufferPointer(rebasing: raw[entry.valueStart..<entry.end]))
                }
                return true
            }
        }
        self = kept
    }

    /// Calls `body` with each field's entry in order until it returns false.
    func forEachEntry(_ body: (Entry) -> Bool) {
        withUnsafeRecordBytes { raw in Self.forEachEntry(in: raw, body) }
    }

    /// The same over records already in hand (`withUnsafeRecordBytes`): reaching the inline
    /// buffer once per walk, not once per field.
    static func forEachEntry(in raw: UnsafeRawBufferPointer, _ body: (Entry) -> Bool) {
        var offset = 0
        while offset < raw.count {
            let entry = entry(in: raw, at: offset)
            guard body(entry) else { return }
            offset = entry.end
        }
    }

    func entry(at offset: Int) -> Entry {
        withUnsafeRecordBytes { raw in Self.entry(in: raw, at: offset) }
    }

    static func entry(in raw: UnsafeRawBufferPointer, at offset: Int) -> Entry {
        let nameLength = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        let valueLength = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        let nameStart = offset + prefixSize
        return Entry(nameStart: nameStart, nameLength: nameLength, valueStart: nameStart + nameLength, valueLength: valueLength)
    }

    /// The first field named `name` (ASCII case-insensitive); every request asks for one
    /// or two (the request id, the host), so it compares lengths before bytes.
    func firstEntry(_ name: String) -> Entry? {
        let length = name.utf8.count
        return withUnsafeRecordBytes { raw in
            var found: Entry?
            Self.forEachEntry(in: raw) { entry in
                if entry.nameLength == length,
                   Self.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: raw[entry.nameStart..<entry.nameStart + length]), name.utf8) {
                    found = entry
                    return false
                }
                return true
            }
            return found
        }
    }

    func nameMatches(_ entry: Entry, _ name: String) -> Bool {
        withUnsafeRecordBytes { raw in
            Self.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: raw[entry.nameStart..<entry.nameStart + entry.nameLength]), name.utf8)
        }
    }

    func name(of entry: Entry) -> String {
        withUnsafeRecordBytes { String(decoding: $0[entry.nameStart..<entry.nameStart + entry.nameLength], as: UTF8.self) }
    }

    func value(of entry: Entry) -> String {
        withUnsafeRecordBytes { String(decoding: $0[entry.valueStart..<entry.end], as: UTF8.self) }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs) { $0.name == $1.name && $0.value == $1.value }
    }

    static func equalsIgnoringCase(_ lhs: UnsafeRawBufferPointer, _ rhs: String.UTF8View) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { $0 | 0x20 == $1 | 0x20 && ($0 == $1 || Self.isLetter($0)) }
    }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    static func isValidName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        !name.isEmpty && name.allSatisfy(isTokenByte)
    }

    static func isValidValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        value.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    static func isValidName(_ name: String.UTF8View) -> Bool {
        // Contiguous for native strings: a plain loop over bytes, checked against a table.
        let checked = name.withContiguousStorageIfAvailable { bytes in
            !bytes.isEmpty && bytes.allSatisfy { tokenTable[Int($0)] }
        }
        return checked ?? (!name.isEmpty && name.allSatisfy { tokenTable[Int($0)] })
    }

    static func isValidValue(_ value: String.UTF8View) -> Bool {
        let valid: (UInt8) -> Bool = { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
        return value.withContiguousStorageIfAvailable { $0.allSatisfy(valid) } ?? value.allSatisfy(valid)
    }

    /// tchar (RFC 9110 §5.6.2) by byte value.
    static let tokenTable: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
        }
    }

    /// tchar as two bit masks over bytes 0-63 and 64-127 (`tokenTable` as constants, which
    /// need no lazy global's once-check and no bounds check per byte).
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x03ff_6cfa_0000_0000 as UInt64) >> byte & 1 != 0 }
        if byte < 128 { return (0x57ff_ffff_c7ff_fffe as UInt64) >> (byte - 64) & 1 != 0 }
        return false
    }
}

extension HTTPHeaders: Sequence {
    /// Fields as (name, value) pairs, in order.
    public func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
        var offset = 0
        return AnyIterator {
            guard offset < byteCount else { return nil }
            let entry = entry(at: offset)
            offset = entry.end
            return (name(of: entry), value(of: entry))
        }
    }
}

extension HTTPHeaders: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}
