/// A media type as a `Content-Type` field carries it: `type/subtype` and parameters
/// (RFC 9110 §8.3.1).
///
/// Type, subtype and parameter names are compared case-insensitively, so they are kept
/// lowercased; a parameter's value is kept as sent, without the quotes of a quoted string.
/// `application/jsonx` is not `application/json`, and neither is `application/json-seq`.
///
/// ```swift
/// MediaType("Application/JSON; charset=utf-8")?.is("application", "json")  // true
/// MediaType("application/jsonx")?.is("application", "json")                // false
/// ```
public struct MediaType: Sendable, Equatable {
    /// The top-level type, lowercased (`application`).
    public var type: String
    /// The subtype, lowercased (`json`).
    public var subtype: String
    /// The parameters in order, names lowercased.
    public var parameters: [Parameter]

    /// One `name=value` parameter.
    public struct Parameter: Sendable, Equatable {
        /// The name, lowercased.
        public var name: String
        /// The value, unquoted.
        public var value: String
    }

    /// Parses a field value; `nil` when it is not `type "/" subtype *( OWS ";" OWS [ parameter ] )`.
    public init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        scanner.skipWhitespace()
        guard let type = scanner.token(), scanner.take(UInt8(ascii: "/")), let subtype = scanner.token() else { return nil }
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        parameters = []
        scanner.skipWhitespace()
        while !scanner.atEnd {
            guard scanner.take(UInt8(ascii: ";")) else { return nil }
            scanner.skipWhitespace()
            if scanner.atEnd || scanner.peek == UInt8(ascii: ";") { continue } // an empty parameter
            guard let name = scanner.token(), scanner.take(UInt8(ascii: "=")),
                  let value = scanner.peek == UInt8(ascii: "\"") ? scanner.quotedString() : scanner.token() else { return nil }
            parameters.append(Parameter(name: name.lowercased(), value: value))
            scanner.skipWhitespace()
        }
    }

    /// Whether this is `type/subtype`, compared case-insensitively; parameters do not matter.
    public func `is`(_ type: String, _ subtype: String) -> Bool {
        self.type == type.lowercased() && self.subtype == subtype.lowercased()
    }

    /// The first value of the parameter `name` (case-insensitive), if any.
    public func parameter(_ name: String) -> String? {
        let name = name.lowercased()
        return parameters.first { $0.name == name }?.value
    }
}

extension MediaType {
    /// A cursor over a field value's bytes.
    fileprivate struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func skipWhitespace() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// One or more tchars (RFC 9110 §5.6.2).
        mutating func token() -> String? {
            let start = index
            while let byte = peek, Self.isTokenByte(byte) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// A quoted-string with its backslash escapes resolved (RFC 9110 §5.6.4).
        mutating func quotedString() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var value: [UInt8] = []
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek, escaped == 0x09 || escaped >= 0x20, escaped != 0x7f else { return nil }
                    value.append(escaped)
                    index += 1
                case 0x09, 0x20...0x7e, 0x80...0xff: value.append(byte)
                default: return nil
                }
            }
            return nil
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
