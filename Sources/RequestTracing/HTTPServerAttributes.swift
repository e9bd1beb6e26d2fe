import Tracing

/// A server span's HTTP attributes (OpenTelemetry's HTTP semantic conventions), kept as
/// typed fields instead of `SpanAttributes`: every sampled request sets them, and a
/// dictionary of boxed values would cost each request several allocations. They read as
/// ordinary attributes (`RequestSpan.attributes`, `FinishedSpan.attributes`), and the
/// exporter writes them as such.
public struct HTTPServerAttributes: Sendable, Hashable {
    /// `http.request.method`.
    public var method: String
    /// `http.route`: the matched route template.
    public var route: String
    /// `url.path`.
    public var path: String
    /// `network.protocol.version`: "1.1" or "2".
    public var protocolVersion: String
    /// `server.port`.
    public var serverPort: Int
    /// `http.response.status_code`, once the response is known.
    public var statusCode: Int?
    /// `error.type`: the escaped error's type, or the status of a 5xx.
    public var errorType: String?

    /// The attributes of a request, before its response.
    public init(method: String, route: String, path: String, protocolVersion: String, serverPort: Int) {
        self.method = method
        self.route = route
        self.path = path
        self.protocolVersion = protocolVersion
        self.serverPort = serverPort
    }

    /// Each attribute, by its semantic-convention name, in a fixed order.
    public func forEach(_ body: (String, SpanAttribute) -> Void) {
        body("http.request.method", .string(method))
        body("http.route", .string(route))
        body("url.path", .string(path))
        body("network.protocol.version", .string(protocolVersion))
        body("server.port", .int64(Int64(serverPort)))
        if let statusCode { body("http.response.status_code", .int64(Int64(statusCode))) }
        if let errorType { body("error.type", .string(errorType)) }
    }

    /// These attributes added to `attributes` (where they win over the same names).
    func merged(into attributes: SpanAttributes) -> SpanAttributes {
        var merged = attributes
        forEach { name, value in merged[name] = value }
        return merged
    }
}
