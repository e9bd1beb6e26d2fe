extension Scenario {
    /// What a scenario entry's responses must look like (k6's `check`), under `"expect"`:
    ///
    /// ```json
    /// "expect": {"status": [200, 404], "body_contains": "\"id\":", "json": {"/name": "alice", "/tags/0": 1}}
    /// ```
    ///
    /// `status`: the response's status is one of these. `body_contains`: the body holds
    /// this text (bytes, case-sensitive). `json`: the body is JSON and each RFC 6901 pointer
    /// names a value equal to the one given. A response that fails any of them is one
    /// check failure of its entry; errors without a response are not checked.
    public struct Expectation: Sendable, Equatable, Codable {
        public var status: [Int]?
        public var bodyContains: String?
        /// JSON pointer -> expected value.
        public var json: [String: JSONValue]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case status
            case bodyContains = "body_contains"
            case json
        }

        public init(status: [Int]? = nil, bodyContains: String? = nil, json: [String: JSONValue]? = nil) {
            self.status = status
            self.bodyContains = bodyContains
            self.json = json
        }

        /// Unknown keys are refused: a misspelt check would otherwise check nothing.
        public init(from decoder: any Decoder) throws {
            let any = try decoder.container(keyedBy: AnyKey.self)
            if let unknown = any.allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath + [unknown],
                    debugDescription: "unknown key \"\(unknown.stringValue)\" in expect (status, body_contains, json)"))
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decodeIfPresent([Int].self, forKey: .status)
            bodyContains = try container.decodeIfPresent(String.self, forKey: .bodyContains)
            json = try container.decodeIfPresent([String: JSONValue].self, forKey: .json)
        }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// Whether a check reads the body (the client then keeps it, up to a bound).
        public var readsBody: Bool { bodyContains != nil || json != nil }

        /// Statuses within 100...599, a non-empty text, valid pointers, at least one check.
        func validate(in place: String) throws(Problem) {
            guard status != nil || readsBody else { throw Problem("\(place): expect has no checks (status, body_contains, json)") }
            if let status {
                guard !status.isEmpty else { throw Problem("\(place): expect.status is empty") }
                if let bad = status.first(where: { !(100...599).contains($0) }) {
                    throw Problem("\(place): expect.status \(bad) is not within 100...599")
                }
            }
            if let text = bodyContains, text.isEmpty { throw Problem("\(place): expect.body_contains is empty") }
            if let json {
                guard !json.isEmpty else { throw Problem("\(place): expect.json is empty") }
                for pointer in json.keys.sorted() {
                    do { _ = try JSONPointer(pointer) } catch { throw Problem("\(place): expect.json: \(error.description)") }
                }
            }
        }
    }
}
