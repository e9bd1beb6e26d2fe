/// An HTTP request, as a handler sees it: independent of the protocol that carried it.
public struct Request: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The raw request-target, as received (for example `/api/v1/order/map?ids=1,2`).
    public var target: String
    /// The path of the target, still percent-encoded, without the query.
    public var path: String
    /// The query string after `?`, without it; empty when there is none.
    public var query: String
    /// The authority: the absolute-form target's, or the Host field's value.
    public var authority: String
    /// The header fields.
    public var headers: HTTPHeaders
    /// The whole request body (bodies are bounded by the server's body limit).
    public var body: [UInt8]

    public init(
        method: HTTPMethod,
        target: String,
        authority: String = "",
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        let queryStart = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        self.path = queryStart.map { String(target[..<$0]) } ?? target
        self.query = queryStart.map { String(target[target.index(after: $0)...]) } ?? ""
        self.authority = authority
        self.headers = headers
        self.body = body
    }

    init(method: HTTPMethod, target: String, path: String, query: String, authority: String,
         headers: HTTPHeaders, body: [UInt8]) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.authority = authority
        self.headers = headers
        self.body = body
    }
}
