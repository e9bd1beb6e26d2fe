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

    /// The attributes' names (OpenTelemetry's semantic conventions): one list, which the
    /// exporter writes from too.
    public enum Key {
        /// The request's method.
        public static let method = "http.request.method"
        /// The matched route template.
        public static let route = "http.route"
        /// The request's path.
        public static let path = "url.path"
        /// "1.1" or "2".
        public static let protocolVersion = "network.protocol.version"
        /// The listener's port.
        public static let serverPort = "server.port"
        /// The response's status.
        public static let statusCode = "http.response.status_code"
        /// What went wrong, on a 5xx or an escaped error.
        public static let errorType = "error.type"
    }

    /// Each attribute, by its semantic-convention name, in a fixed order.
    public func forEach(_ body: (String, SpanAttribute) -> Void) {
        body(Key.method, .string(method))
        body(Key.route, .string(route))
        body(Key.path, .string(path))
        body(Key.protocolVersion, .string(protocolVersion))
        body(Key.serverPort, .int64(Int64(serverPort)))
        if let statusCode { body(Key.statusCode, .int64(Int64(statusCode))) }
        if let errorType { body(Key.errorType, .string(errorType)) }
    }

    /// These attributes added to `attributes` (where they win over the same names).
    func merged(into attributes: SpanAttributes) -> SpanAttributes {
        var merged = attributes
        forEach { name, value in merged[name] = value }
        return merged
    }
}
