/// Where spans go: an OTLP/HTTP collector's base URL, `http://host:port[/base]`, to which
/// `/v1/traces` is added (the OpenTelemetry specification's rule for
/// `OTEL_EXPORTER_OTLP_ENDPOINT`). Cleartext HTTP only: a collector is a sidecar or a
/// node agent on a private network, and TLS to it is not built here.
public struct OTLPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The host name or address (IPv6 without brackets).
    public let host: String
    /// The port (4318, OTLP/HTTP's, when the URL names none).
    public let port: Int
    /// The request path: the URL's path with `/v1/traces` appended.
    public let path: String

    /// Parses `url`, or returns nil (with `error` saying why) for anything but `http://`.
    public init?(url: String, error: inout String) {
        guard url.hasPrefix("http://") else {
            error = "the OTLP endpoint must be an http:// URL (got \(url))"
            return nil
        }
        var rest = url.dropFirst("http://".count)
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            rest = rest[slash...]
        } else {
            authority = rest
            rest = ""
        }
        var host = authority
        var port = 4318
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { error = "bad IPv6 address in \(url)"; return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { error = "bad port in \(url)"; return nil }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                error = "bad port in \(url)"
                return nil
            }
            port = value
        }
        guard !host.isEmpty else { error = "no host in \(url)"; return nil }
        var base = String(rest)
        while base.hasSuffix("/") { base.removeLast() }
        self.host = String(host)
        self.port = port
        self.path = base + "/v1/traces"
    }

    /// `http://host:port/path`.
    public var description: String {
        host.contains(":") ? "http://[\(host)]:\(port)\(path)" : "http://\(host):\(port)\(path)"
    }
}
