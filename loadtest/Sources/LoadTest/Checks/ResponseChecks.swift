import CLoadClient

/// One entry's `expect`, compiled once for the run: what a response is checked against.
public struct ResponseChecks: Sendable {
    /// Check names, in report order: "status", "body_contains", "json POINTER"...
    public let names: [String]
    let statuses: Set<Int>?
    let contains: [UInt8]?
    let pointers: [(pointer: JSONPointer, value: JSONValue)]
    /// Body checks ask the client to keep the body.
    public let readsBody: Bool
    /// The longest body kept, for the too-large message.
    let bodyLimit: Int

    /// Compiles a validated expectation.
    public init(_ expect: Scenario.Expectation, bodyLimit: Int = ResponseChecks.defaultBodyLimit) {
        var names: [String] = []
        statuses = expect.status.map(Set.init)
        if statuses != nil { names.append("status") }
        contains = expect.bodyContains.map { Array($0.utf8) }
        if contains != nil { names.append("body_contains") }
        pointers = (expect.json ?? [:]).sorted { $0.key < $1.key }.compactMap { key, value in
            (try? JSONPointer(key)).map { ($0, value) }
        }
        names += pointers.map { "json \($0.pointer.text)" }
        self.names = names
        readsBody = expect.readsBody
        self.bodyLimit = bodyLimit
    }

    /// The client keeps at most this much of a body for the checks (64 KiB).
    public static let defaultBodyLimit = 64 * 1024

    /// One failed check of a response.
    public struct Failure: Sendable, Equatable {
        /// Index into `names`.
        public var check: Int
        public var reason: String
    }

    /// The checks a response fails (empty when it passes). `body` is nil when the client
    /// did not keep it (too large).
    public func failures(status: Int, body: UnsafeRawBufferPointer?) -> [Failure] {
        var out: [Failure] = []
        var index = 0
        if let statuses {
            if !statuses.contains(status) {
                out.append(Failure(check: index, reason: "status \(status) is not one of \(statuses.sorted().map(String.init).joined(separator: ", "))"))
            }
            index += 1
        }
        guard readsBody else { return out }
        guard let body else {
            let reason = "body longer than \(bodyLimit / 1024) KiB was not kept, so it was not checked"
            for check in index..<names.count { out.append(Failure(check: check, reason: reason)) }
            return out
        }
        if let contains {
            if !Self.find(contains, in: body) {
                out.append(Failure(check: index, reason: "body does not contain \(JSONValue.quoted(String(decoding: contains, as: UTF8.self)))"))
            }
            index += 1
        }
        guard !pointers.isEmpty else { return out }
        let document = JSONValue.parse(body)
        for (pointer, expected) in pointers {
            defer { index += 1 }
            guard let document else {
                out.append(Failure(check: index, reason: "json \(pointer.text): the body is not JSON"))
                continue
            }
            guard let actual = pointer.resolve(in: document) else {
                out.append(Failure(check: index, reason: "json \(pointer.text): no such value, expected \(expected)"))
                continue
            }
            if actual != expected {
                out.append(Failure(check: index, reason: "json \(pointer.text) is \(Self.clipped(actual.description)), expected \(expected)"))
            }
        }
        return out
    }

    /// Whether `needle` occurs in `haystack` (a plain scan: bodies are at most 64 KiB).
    static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var index = 1
                while index < needle.count && haystack[start + index] == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            start += 1
        }
        return false
    }

    static func clipped(_ text: String) -> String {
        text.count <= 80 ? text : String(text.prefix(77)) + "..."
    }
}

/// How one entry's responses fared against its checks.
public struct CheckStats: Sendable, Equatable {
    /// Check names (ResponseChecks.names).
    public var names: [String]
    /// Responses checked.
    public var checked: UInt64 = 0
    /// Responses that failed at least one check.
    public var failed: UInt64 = 0
    /// Failures per check, by index into `names`.
    public var failures: [UInt64]
    /// The first failure seen, as a sentence.
    public var firstFailure: String?

    public init(names: [String]) {
        self.names = names
        failures = names.map { _ in 0 }
    }

    /// Checks one response.
    mutating func record(_ checks: ResponseChecks, status: Int, body: UnsafeRawBufferPointer?) {
        checked += 1
        let found = checks.failures(status: status, body: body)
        guard !found.isEmpty else { return }
        failed += 1
        for failure in found { failures[failure.check] += 1 }
        if firstFailure == nil { firstFailure = found.map(\.reason).joined(separator: "; ") }
    }

    /// Checks one C sample (a response; errors are not checked).
    mutating func record(_ checks: ResponseChecks, sample: lc_sample) {
        guard sample.error == 0 else { return }
        if checks.readsBody, UInt32(sample.body_state) == LC_BODY_KEPT.rawValue {
            record(checks, status: Int(sample.status),
                   body: UnsafeRawBufferPointer(start: UnsafeRawPointer(sample.body), count: Int(sample.body_len)))
        } else if checks.readsBody {
            record(checks, status: Int(sample.status), body: nil)
        } else {
            record(checks, status: Int(sample.status), body: UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    /// Adds another loop's counts.
    public mutating func merge(_ other: CheckStats) {
        checked += other.checked
        failed += other.failed
        for index in failures.indices where index < other.failures.count { failures[index] += other.failures[index] }
        if firstFailure == nil { firstFailure = other.firstFailure }
    }
}
