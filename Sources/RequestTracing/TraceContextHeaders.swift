import W3CTraceContext

/// W3C Trace Context Level 1 (https://www.w3.org/TR/trace-context/) on the way in: the
/// `traceparent` and `tracestate` fields of a request, checked strictly.
///
/// - `traceparent` must be version `00`, exactly 55 characters, lowercase hex, with a trace
///   id and a parent id that are not all zeros (swift-w3c-trace-context's decoder). Anything
///   else, or no field, means the request starts a new trace.
/// - `tracestate` is kept only beside a valid `traceparent`, and only when the whole of it is
///   valid: at most 32 list members and 512 characters, each member `key=value` with the
///   key and value grammar of §3.3.1 and no key twice. An invalid one is dropped; the
///   trace goes on without it (§3.3.1.1).
public enum TraceContextHeaders {
    /// The most list members a `tracestate` may have.
    public static let maxStateMembers = 32
    /// The most characters a `tracestate` may have.
    public static let maxStateLength = 512

    /// The remote parent a request names, or nil when it names none or an invalid one.
    /// Several `traceparent` fields are invalid together (§3.2).
    public static func extract(traceparent: [String], tracestate: [String]) -> TraceContext? {
        guard traceparent.count == 1, let parent = try? TraceContext(traceParentHeaderValue: traceparent[0]) else {
            return nil
        }
        // Several tracestate fields are one list, joined with commas (RFC 9110 §5.3).
        // lookup-lint: allow — an invalid tracestate is dropped and the trace goes on without it (§3.3.1.1)
        let state = tracestate.isEmpty ? TraceState() : (parseState(tracestate.joined(separator: ",")) ?? TraceState())
        return TraceContext(traceID: parent.traceID, spanID: parent.spanID, flags: parent.flags, state: state)
    }

    /// The members of a valid `tracestate`, or nil for an invalid one. Empty members (two
    /// commas in a row, as list syntax allows) are skipped.
    public static func parseState(_ value: String) -> TraceState? {
        guard value.utf8.count <= maxStateLength else { return nil }
        var entries: [(TraceState.Vendor, String)] = []
        var keys = Set<String>()
        for rawMember in value.split(separator: ",", omittingEmptySubsequences: false) {
            let member = rawMember.trimmingOWS()
            if member.isEmpty { continue }
            guard let equals = member.firstIndex(of: "=") else { return nil }
            let key = member[..<equals], memberValue = member[member.index(after: equals)...]
            guard isValidKey(key), isValidValue(memberValue), keys.insert(String(key)).inserted else { return nil }
            entries.append((TraceState.Vendor(rawValue: String(key)), String(memberValue)))
        }
        guard entries.count <= maxStateMembers else { return nil }
        return TraceState(entries)
    }

    /// `key = simple-key / multi-tenant-key`: `simple-key = lcalpha 0*255( lcalpha / DIGIT /
    /// "_" / "-"/ "*" / "/" )`, `multi-tenant-key = tenant-id "@" system-id` with a tenant
    /// id of 1 to 241 characters that starts with lcalpha or a digit, and a system id of 1
    /// to 14 that starts with lcalpha.
    static func isValidKey(_ key: Substring) -> Bool {
        let parts = key.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 {
            return (1...256).contains(key.utf8.count) && key.utf8.first.map(isLowerAlpha) == true && key.utf8.allSatisfy(isKeyByte)
        }
        let tenant = parts[0], system = parts[1]
        return (1...241).contains(tenant.utf8.count) && (1...14).contains(system.utf8.count)
            && tenant.utf8.first.map { isLowerAlpha($0) || isDigit($0) } == true && system.utf8.first.map(isLowerAlpha) == true
            && tenant.utf8.allSatisfy(isKeyByte) && system.utf8.allSatisfy(isKeyByte)
    }

    /// `value = 0*255(chr) nblk-chr`: printable ASCII but "," and "=", at most 256
    /// characters, not ending in a space.
    static func isValidValue(_ value: Substring) -> Bool {
        guard (1...256).contains(value.utf8.count), value.utf8.last != UInt8(ascii: " ") else { return false }
        return value.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
    }

    private static func isLowerAlpha(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isKeyByte(_ byte: UInt8) -> Bool {
        isLowerAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "/")
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (OWS).
    fileprivate func trimmingOWS() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
