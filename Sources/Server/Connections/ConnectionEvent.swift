/// Something that happened to a client connection, as the event loop saw it.
public struct ConnectionEvent: Sendable {
    /// What happened.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        enum Base: Sendable, Hashable { case opened, switchedToHTTP2, closed }
        let base: Base

        /// Accepted (and, for TLS, not yet past its handshake).
        public static let opened = Kind(base: .opened)
        /// Now speaks HTTP/2: by prior knowledge, `Upgrade: h2c`, or ALPN `h2`.
        public static let switchedToHTTP2 = Kind(base: .switchedToHTTP2)
        /// The socket is closed.
        public static let closed = Kind(base: .closed)

        public var description: String {
            switch base {
            case .opened: "opened"
            case .switchedToHTTP2: "switched-to-h2"
            case .closed: "closed"
            }
        }
    }

    public var kind: Kind
    /// The connection's id, unique per event loop.
    public var connectionID: UInt64
    /// The event loop that owns the connection.
    public var loopIndex: Int
    /// The protocol it speaks at this point.
    public var version: HTTPVersion
    /// Whether it is TLS.
    public var isTLS: Bool
}

/// Told about every connection's opening, protocol switch and closing, on the loop thread
/// that owns the connection. Keep it cheap: it runs on the accept path.
public protocol ConnectionObserver: Sendable {
    func connectionEvent(_ event: ConnectionEvent)
}
