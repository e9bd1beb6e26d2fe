/// An HTTP response: a status, a content type, extra header fields and a body.
///
/// `Content-Length`, `Date`, `Server` and `Connection` are written by the server.
public struct Response: Sendable {
    public var status: HTTPStatus
    /// The `Content-Type` value, or `nil` for none.
    public var contentType: ContentType?
    /// Header fields besides the ones the server writes itself.
    public var headers: HTTPHeaders
    public var body: ResponseBody

    public init(status: HTTPStatus = .ok, contentType: ContentType? = nil,
                headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = ResponseBody()) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }
}

/// A `Content-Type` value. Common ones are static strings, so setting them costs nothing.
public struct ContentType: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case literal(StaticString)
        case string(String)

        static func == (lhs: Storage, rhs: Storage) -> Bool { lhs.text == rhs.text }
        func hash(into hasher: inout Hasher) { hasher.combine(text) }

        var text: String {
            switch self {
            case .literal(let value): value.description
            case .string(let value): value
            }
        }
    }

    let storage: Storage

    public init(_ value: String) { storage = .string(value) }
    init(literal: StaticString) { storage = .literal(literal) }

    public static let plainText = ContentType(literal: "text/plain")
    public static let json = ContentType(literal: "application/json")
    public static let prometheus = ContentType(literal: "text/plain; version=0.0.4; charset=utf-8")
    public static let html = ContentType(literal: "text/html; charset=utf-8")

    public var value: String { storage.text }
}

/// A response body. Static text is sent from its own storage, without a copy into an array.
public struct ResponseBody: Sendable {
    enum Storage: Sendable {
        case empty
        case literal(StaticString)
        case bytes([UInt8])
        case string(String)
    }

    var storage: Storage

    public init() { storage = .empty }
    public init(_ bytes: [UInt8]) { storage = .bytes(bytes) }
    public init(string: String) { storage = .string(string) }
    public init(literal: StaticString) { storage = .literal(literal) }

    /// The body's length in bytes.
    public var count: Int {
        switch storage {
        case .empty: 0
        case .literal(let text): text.utf8CodeUnitCount
        case .bytes(let bytes): bytes.count
        case .string(let string): string.utf8.count
        }
    }

    /// Calls `body` with the bytes, without copying where the storage allows.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .empty:
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        case .literal(let text):
            return try body(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        case .bytes(let bytes):
            return try bytes.withUnsafeBytes(body)
        case .string(var string):
            return try string.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// The bytes, copied into an array (for tests and logging).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
