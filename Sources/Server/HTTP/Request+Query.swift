extension Request {
    /// The query's `name=value` pairs in order, percent-decoded (`+` is a space, as in
    /// HTML forms). A pair that does not decode to UTF-8 is kept with its raw text.
    public var queryItems: [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecoded(parts[0])
            let value = parts.count > 1 ? Self.formDecoded(parts[1]) : ""
            return (name, value)
        }
    }

    /// The first value of query parameter `name`, or `nil` when it is absent.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    static func formDecoded(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(text)
        }
        let spaced = text.replacing("+", with: " ")
        return Routes.percentDecoded(Substring(spaced)) ?? String(text)
    }
}
