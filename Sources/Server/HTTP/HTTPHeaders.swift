/// Header fields of a request or response, in the order they were received or added.
///
/// Our own type rather than swift-http-types' `HTTPFields`: the fields live in one byte
/// array, each as a record `[name length: UInt32][value length: UInt32][name][value]`, so a
/// request's whole block is copied out of the read buffer with one allocation, and a
/// response that gains a field (the request id echo) allocates once, where `HTTPFields`
/// builds a validated `String` name and value per field. Fields are few, so lookups walk
/// the records; name lookup is ASCII case-insensitive.
public struct HTTPHeaders: Sendable, Equatable {
    /// Where one field's name and value are in `bytes`.
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

    private(set) var bytes: [UInt8]
    public private(set) var count: Int

    /// Creates an empty set of fields.
    public init() {
        bytes = []
        count = 0
    }

    /// Creates fields from name-value pairs.
    public init(_ fields: [(String, String)]) {
        self.init()
        for (name, value) in fields { add(name: name, value: value) }
    }

    /// Creates fields by writing each record into one array sized for all of them.
    init(capacity: Int, _ write: (inout RecordWriter) -> Void) {
        var writer = RecordWriter()
        writer.bytes.reserveCapacity(capacity)
        write(&writer)
        bytes = writer.bytes
        self.count = writer.count
    }

    /// Appends records to a byte array under construction.
    struct RecordWriter {
        var bytes: [UInt8] = []
        var count = 0

        mutating func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
            HTTPHeaders.appendPrefix(&bytes, name.count, value.count)
            bytes.append(contentsOf: name)
            bytes.append(contentsOf: value)
            count += 1
        }
    }

    /// The bytes `init(capacity:_:)` needs for fields whose names and values total
    /// `textBytes`.
    static func capacity(fields: Int, textBytes: Int) -> Int { fields * prefixSize + textBytes }

    public var isEmpty: Bool { count == 0 }

    /// Appends a field. Names must be tokens and values must not contain CR, LF or NUL;
    /// invalid fields are dropped, so a handler can never split a response.
    public mutating func add(name: String, value: String) {
        guard Self.isValidName(name.utf8), Self.isValidValue(value.utf8) else { return }
        add(validatedName: name, value: value)
    }

    /// Appends a field whose name and value the caller has already validated (such as a
    /// request id it generated or checked against a stricter alphabet): the per-response
    /// path skips a second scan.
    package mutating func add(validatedName name: String, value: String) {
        let nameLength = name.utf8.count, valueLength = value.utf8.count
        if bytes.isEmpty { bytes.reserveCapacity(Swift.max(96, Self.prefixSize + nameLength + valueLength)) }
        Self.appendPrefix(&bytes, nameLength, valueLength)
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: value.utf8)
        count += 1
    }

    static func appendPrefix(_ bytes: inout [UInt8], _ nameLength: Int, _ valueLength: Int) {
        precondition(nameLength <= Int(UInt32.max) && valueLength <= Int(UInt32.max), "header field too large")
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: nameLength).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: valueLength).littleEndian) { bytes.append(contentsOf: $0) }
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

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        var values: [String] = []
        forEachEntry { entry in
            if nameMatches(entry, name) { values.append(value(of: entry)) }
            return true
        }
        return values
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        guard firstEntry(name) != nil else { return }
        var kept = RecordWriter()
        kept.bytes.reserveCapacity(bytes.count)
        forEachEntry { entry in
            if !nameMatches(entry, name) {
                bytes.withUnsafeBytes { raw in
                    kept.append(name: UnsafeRawBufferPointer(rebasing: raw[entry.nameStart..<entry.nameStart + entry.nameLength]),
                                value: UnsafeRawBufferPointer(rebasing: raw[entry.valueStart..<entry.end]))
                }
            }
            return true
        }
        bytes = kept.bytes
        count = kept.count
    }

    /// Calls `body` with each field's entry in order until it returns false.
    func forEachEntry(_ body: (Entry) -> Bool) {
        var offset = 0
        while offset < bytes.count {
            let entry = entry(at: offset)
            guard body(entry) else { return }
            offset = entry.end
        }
    }

    func entry(at offset: Int) -> Entry {
        let (nameLength, valueLength) = bytes.withUnsafeBytes { raw in
            (Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))),
             Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))))
        }
        let nameStart = offset + Self.prefixSize
        return Entry(nameStart: nameStart, nameLength: nameLength, valueStart: nameStart + nameLength, valueLength: valueLength)
    }

    /// Every field's entry, in order.
    var entries: [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        forEachEntry { entries.append($0); return true }
        return entries
    }

    func firstEntry(_ name: String) -> Entry? {
        var found: Entry?
        forEachEntry { entry in
            if nameMatches(entry, name) { found = entry; return false }
            return true
        }
        return found
    }

    func nameMatches(_ entry: Entry, _ name: String) -> Bool {
        Self.equalsIgnoringCase(bytes[entry.nameStart..<entry.nameStart + entry.nameLength], name.utf8)
    }

    func name(of entry: Entry) -> String {
        String(decoding: bytes[entry.nameStart..<entry.nameStart + entry.nameLength], as: UTF8.self)
    }

    func value(of entry: Entry) -> String {
        String(decoding: bytes[entry.valueStart..<entry.end], as: UTF8.self)
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs) { $0.name == $1.name && $0.value == $1.value }
    }

    static func equalsIgnoringCase(_ lhs: ArraySlice<UInt8>, _ rhs: String.UTF8View) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { $0 | 0x20 == $1 | 0x20 && ($0 == $1 || Self.isLetter($0)) }
    }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

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

    static func isTokenByte(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }
}

extension HTTPHeaders: Sequence {
    /// Fields as (name, value) pairs, in order.
    public func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
        var offset = 0
        return AnyIterator {
            guard offset < bytes.count else { return nil }
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
