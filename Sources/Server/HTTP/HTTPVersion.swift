/// The protocol a request arrived over.
///
/// A struct around a private enum, so that versions can be added without breaking
/// `switch` statements in user code.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    enum Base: UInt8, Sendable { case http1_1, http2 }
    let base: Base

    /// HTTP/1.1 (HTTP/1.0 requests are served as 1.1 with their keep-alive rules).
    public static let http1_1 = HTTPVersion(base: .http1_1)
    /// HTTP/2, cleartext (h2c) or over TLS (h2).
    public static let http2 = HTTPVersion(base: .http2)

    /// A short, bounded label value for metrics: `h1` or `h2`.
    public var label: String {
        switch base {
        case .http1_1: "h1"
        case .http2: "h2"
        }
    }

    public var description: String {
        switch base {
        case .http1_1: "HTTP/1.1"
        case .http2: "HTTP/2"
        }
    }
}
