/// An RFC 6901 JSON pointer: "" is the whole document, "/a/0/b~1c" walks member "a",
/// element 0 and member "b/c" (`~1` is `/`, `~0` is `~`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The pointer as written.
    public let text: String
    /// The reference tokens, unescaped.
    public let tokens: [String]

    /// Why a pointer is malformed.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `text`: empty, or "/" followed by tokens in which `~` is always `~0` or `~1`.
    public init(_ text: String) throws(Problem) {
        self.text = text
        guard !text.isEmpty else { tokens = []; return }
        guard text.hasPrefix("/") else { throw Problem(description: "JSON pointer \"\(text)\" must be empty or start with /") }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var index = raw.startIndex
            while index < raw.endIndex {
                let character = raw[index]
                if character == "~" {
                    let next = raw.index(after: index)
                    guard next < raw.endIndex, raw[next] == "0" || raw[next] == "1" else {
                        throw Problem(description: "JSON pointer \"\(text)\": ~ must be followed by 0 or 1")
                    }
                    token.append(raw[next] == "0" ? "~" : "/")
                    index = raw.index(after: next)
                } else {
                    token.append(character)
                    index = raw.index(after: index)
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    public var description: String { text }

    /// The value the pointer names in `document`, or nil when there is none (a missing
    /// member, an index that is not a number without leading zeros or is out of range, a
    /// step into a scalar).
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let member = members[token] else { return nil }
                current = member
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// "0", or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}
