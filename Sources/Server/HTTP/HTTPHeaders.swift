/// Header fields of a request or response, in the order they were received or added.
///
/// Our own type rather than swift-http-types' `HTTPFields`: a request's fields are copied
/// out of the read buffer into one byte array plus one array of offsets, two allocations
/// for the whole block, where `HTTPFields` builds a validated `String` name and value per
/// field. Name lookup is ASCII case-insensitive.
public struct HTTPHeaders: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var nameStart: UInt32
        var nameLength: UInt32
        var valueStart: UInt32
        var valueLength: UInt32
    }

    var bytes: [UInt8]
    var entries: [Entry]

    /// Creates an empty set of fields.
    public init() {
        bytes = []
        entries = []
    }

    /// Creates fields from name-value pairs.
    public init(_ fields: [(String, String)]) {
        self.init()
        for (name, value) in fields { add(name: name, value: value) }
    }

    init(bytes: [UInt8], entries: [Entry]) {
        self.bytes = bytes
        self.entries = entries
    }

    /// The number of fields.
    public var count: Int { entries.count }

    public var isEmpty: Bool { entries.isEmpty }

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
        if bytes.isEmpty { bytes.reserveCapacity(128) }
        let nameStart = UInt32(bytes.count)
        bytes.append(contentsOf: name.utf8)
        let valueStart = UInt32(bytes.count)
        bytes.append(contentsOf: value.utf8)
        entries.append(Entry(nameStart: nameStart, nameLength: valueStart - nameStart,
                             valueStart: valueStart, valueLength: UInt32(bytes.count) - valueStart))
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
        guard let index = firstIndex(name) else { return nil }
        return value(at: index)
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        entries.indices.filter { nameMatches(at: $0, name) }.map { value(at: $0) }
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        entries.removeAll { entry in
            Self.equalsIgnoringCase(bytes[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)], name.utf8)
        }
    }

    func firstIndex(_ name: String) -> Int? {
        entries.indices.first { nameMatches(at: $0, name) }
    }

    func nameMatches(at index: Int, _ name: String) -> Bool {
        let entry = entries[index]
        return Self.equalsIgnoringCase(bytes[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)], name.utf8)
    }

    func name(at index: Int) -> String {
        let entry = entries[index]
        return String(decoding: bytes[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)], as: UTF8.self)
    }

    func value(at index: Int) -> String {
        let entry = entries[index]
        return String(decoding: bytes[Int(entry.valueStart)..<Int(entry.valueStart + entry.valueLength)], as: UTF8.self)
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.count == rhs.count && lhs.indices.allSatisfy { lhs.name(at: $0) == rhs.name(at: $0) && lhs.value(at: $0) == rhs.value(at: $0) }
    }

    var indices: Range<Int> { entries.indices }

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
        var index = 0
        return AnyIterator {
            guard index < entries.count else { return nil }
            defer { index += 1 }
            return (name(at: index), value(at: index))
        }
    }
}

extension HTTPHeaders: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}
