/// Where the load goes: a numeric address, a port, whether TLS is spoken, and the request
/// target of a single-URL run.
public struct LoadTarget: Sendable, Equatable {
    /// `https://`: TLS, with the protocol chosen by ALPN.
    public var tls: Bool
    /// The host as written (`localhost`, or the address): the TLS server name (SNI for a
    /// name) and what the certificate must match.
    public var serverName: String
    /// The numeric IPv4 or IPv6 address the client connects to.
    public var host: String
    public var port: UInt16
    /// Path and query of a single-URL run (`/` when the URL has none).
    public var path: String
    /// The value sent in the Host header.
    public var authority: String

    /// Why a URL cannot be a target.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unsupportedScheme(String)
        case malformed(String)
        case notLoopback(String)

        public var description: String {
            switch self {
            case .unsupportedScheme(let url): "only http:// and https:// URLs are supported: \(url)"
            case .malformed(let url): "not a URL with a numeric address or localhost: \(url)"
            case .notLoopback(let host):
                "\(host) is not a loopback address; load goes to loopback only unless --allow-remote is given"
            }
        }
    }

    /// Parses `http[s]://HOST[:PORT][/PATH]`. HOST is `localhost`, an IPv4 address, or a
    /// bracketed IPv6 address; names are not resolved. Non-loopback hosts are refused
    /// unless `allowRemote` is set.
    public init(url: String, allowRemote: Bool = false) throws(Problem) {
        let scheme: String
        if url.hasPrefix("http://") { scheme = "http://" } else if url.hasPrefix("https://") { scheme = "https://" } else {
            throw url.contains("://") ? .unsupportedScheme(url) : .malformed(url)
        }
        let tls = scheme == "https://"
        let rest = url.dropFirst(scheme.count)
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = String(rest[..<slash])
        var path = String(rest[slash...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        var host: String
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed(url) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .malformed(url) }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let first = parts.first, !first.isEmpty else { throw .malformed(url) }
            host = String(first)
            portText = parts.count == 2 ? parts[1] : nil
        }
        var port: UInt16 = tls ? 443 : 80
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw .malformed(url) }
            port = value
        }
        let serverName = host
        if host == "localhost" { host = "127.0.0.1" }
        guard Self.isIPv4(host) || Self.isIPv6(host) else { throw .malformed(url) }
        if !allowRemote && !Self.isLoopback(host) { throw .notLoopback(host) }
        for byte in path.utf8 where byte <= 0x20 || byte == 0x7F { throw .malformed(url) }
        self.host = host
        self.tls = tls
        self.serverName = serverName
        self.port = port
        self.path = path
        self.authority = authority
    }

    /// 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
    public static func isLoopback(_ host: String) -> Bool {
        if isIPv4(host) { return host.hasPrefix("127.") }
        let lower = host.lowercased()
        if lower == "::1" || lower == "0:0:0:0:0:0:0:1" { return true }
        if lower.hasPrefix("::ffff:") { return isLoopback(String(lower.dropFirst("::ffff:".count))) }
        return false
    }

    static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil
        }
    }

    static func isIPv6(_ host: String) -> Bool {
        host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
