import Foundation

/// What a connection did during a quiet window: nothing, sent bytes, or closed.
enum QuietOutcome: Equatable, CustomStringConvertible {
    case quiet, data, closed

    var description: String {
        switch self {
        case .quiet: "quiet"
        case .data: "more bytes arrived"
        case .closed: "closed by the server"
        }
    }
}

extension RawConnection {
    /// Waits up to `seconds` for anything more from the server, without consuming it:
    /// `.data` if bytes arrive (or are already buffered unread), `.closed` on EOF or reset,
    /// `.quiet` if nothing happens. Used to prove that no extra response follows.
    func quietness(for seconds: Double) -> QuietOutcome {
        if !unread.isEmpty { return .data }
        if sawEOF { return .closed }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(seconds * 1000))
        if ready <= 0 { return .quiet }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n > 0 { return .data }
        if n == 0 { return .closed }
        return errno == EAGAIN || errno == EINTR ? .quiet : .closed
    }
}

/// Checks on an error response's body: JSON of the documented shape, with no raw input in it.
enum ErrorBodyCheck {
    /// The problems found with `response` (empty when the body is fine). `request` is what
    /// was sent: no line of it at least `echoThreshold` bytes long may appear in the body.
    static func problems(_ response: HTTPTestResponse, request: [UInt8], echoThreshold: Int = 12) -> [String] {
        var problems: [String] = []
        let contentType = response.header("Content-Type") ?? "(none)"
        if !contentType.lowercased().hasPrefix("application/json") {
            problems.append("Content-Type is \(contentType), not application/json")
        }
        if let bad = response.body.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            problems.append("body holds control byte 0x\(String(bad, radix: 16)): raw input echoed?")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        if object == nil || object?.count != 1 || error?["code"] as? String == nil || error?["message"] as? String == nil {
            problems.append("body is not {\"error\":{\"code\":…,\"message\":…}}: \(response.bodyText)")
        }
        for line in lines(of: request) where line.count >= echoThreshold {
            if contains(response.body, line) {
                problems.append("body echoes a request line: \(String(decoding: line, as: UTF8.self))")
            }
        }
        return problems
    }

    /// The error code in a JSON error body, if there is one.
    static func code(_ response: HTTPTestResponse) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    /// The request split at CR, LF and NUL.
    static func lines(of bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(whereSeparator: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }).map(Array.init)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
