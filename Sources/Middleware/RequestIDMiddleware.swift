import Logging
import Server
import ServerMetrics
import TaskRegistry
import Synchronization

/// Where a request's id is kept in its context: `context.requestID`.
public enum RequestIDKey: RequestContextKey {
    public typealias Value = String
}

extension RequestContext {
    /// The request's id, once `RequestIDMiddleware` or `DiagnosticMiddleware` assigned it.
    public var requestID: String? { self[RequestIDKey.self] }
}

/// Gives every request an id: the client's `X-Request-Id` when it is a sane token, or a
/// new one. The id is echoed on the response, stored in the context (`requestID`), labels
/// the request's registry entry, and reaches every log line through
/// `RequestIDMiddleware.metadataProvider`.
public struct RequestIDMiddleware: SynchronousMiddleware {
    /// The header that carries the id both ways.
    public static let headerName = "X-Request-Id"

    /// Adds `task_id`, and `request_id` when the task is a request, to every log line
    /// written from a task the registry tracks. It reads the registry only when a line is
    /// logged, so requests pay nothing for it (a task-local of its own cost ~15% of a
    /// /plaintext request).
    public static let metadataProvider = Logger.MetadataProvider {
        guard let token = TaskRegistry.current else { return [:] }
        var metadata: Logger.Metadata = ["task_id": .string(token.id.description)]
        if let id = token.registry.labels(of: token)?["request_id"] { metadata["request_id"] = .string(id) }
        return metadata
    }

    /// Six hex digits, random per process, so ids from two runs rarely collide in one log
    /// search.
    private static let prefix: UInt32 = {
        var generator = SystemRandomNumberGenerator()
        return UInt32.random(in: 0...0xff_ffff, using: &generator)
    }()
    private static let counter = Atomic<UInt64>(0)

    /// `prefix` as its six hex digits and the dash, read once here: the static is a lazy
    /// global, and its once-check showed up on every request.
    private let prefixDigits: InlineArray<7, UInt8>

    public init() {
        prefixDigits = Self.digits(ofPrefix: Self.prefix)
    }

    static func digits(ofPrefix prefix: UInt32) -> InlineArray<7, UInt8> {
        var digits = InlineArray<7, UInt8>(repeating: UInt8(ascii: "-"))
        for index in 0..<6 { digits[index] = hexDigit(prefix >> (4 * UInt32(5 - index))) }
        return digits
    }

    @inline(__always)
    static func hexDigit(_ value: some BinaryInteger) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value) & 0xf
        return nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    public func begin(_ request: Request, context: inout RequestContext) -> String {
        let id = assign(request)
        context[RequestIDKey.self] = id
        return id
    }

    public func end(_ id: consuming String, request: Request, context: RequestContext, response: inout Response) {
        echo(id, on: &response)
    }

    /// The client's id when it is acceptable, or a new one.
    func assign(_ request: Request) -> String {
        request.headers.first(Self.headerName).flatMap(Self.accepted) ?? nextID()
    }

    /// Echoes the id. Ids are generated or `accepted`, both stricter than a header value,
    /// so the field is appended without another check.
    func echo(_ id: String, on response: inout Response) {
        response.headers.add(validatedName: Self.headerName, value: id)
    }

    /// A new id, `prefix-counter` in hex, such as `3fa9c1-1b2`: up to 15 bytes for the first
    /// four billion requests, so it is a small string, built without a heap allocation.
    func nextID() -> String {
        Self.id(prefixDigits: prefixDigits, sequence: Self.counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    /// A new id with the process's prefix (for callers without a middleware at hand).
    static func generate() -> String {
        id(prefixDigits: digits(ofPrefix: prefix), sequence: counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    static func id(prefixDigits: InlineArray<7, UInt8>, sequence: UInt64) -> String {
        let counterDigits = sequence == 0 ? 1 : (67 - sequence.leadingZeroBitCount) / 4
        return String(unsafeUninitializedCapacity: 7 + counterDigits) { buffer in
            for index in 0..<7 { buffer[index] = prefixDigits[index] }
            var rest = sequence
            for index in stride(from: 6 + counterDigits, to: 6, by: -1) {
                buffer[index] = hexDigit(rest)
                rest >>= 4
            }
            return 7 + counterDigits
        }
    }

    /// A client's id is kept when it is 1–64 characters of `A-Z a-z 0-9 - _ . :`;
    /// anything else is replaced, so ids are safe in logs and headers.
    static func accepted(_ candidate: String) -> String? {
        let utf8 = candidate.utf8
        guard (1...64).contains(utf8.count), utf8.allSatisfy(isIDByte) else { return nil }
        return candidate
    }

    static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default:
            false
        }
    }
}
