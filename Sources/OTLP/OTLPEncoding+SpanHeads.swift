import ProtobufWire
import RequestTracing
import Synchronization
import Tracing

extension OTLPEncoding {
    /// The encoded heads of server spans, one per route: a server span's name (`GET
    /// /api/v1/order/map`), its kind and four of its HTTP attributes (method, route, protocol
    /// version, port) are the same for every request to the route, and were about half of
    /// the bytes and of the time its encoding took. They are written once, here, and copied
    /// into every later span of the route; the rest of the span (ids, times, path, status)
    /// is written per span as before.
    ///
    /// A span's head is a pure function of the fields it is made from, and both ways of
    /// writing it produce the same bytes (`appendHead`), so a span reads the same whether its
    /// head was cached or not. At most `capacity` heads are kept: routes are few, but a
    /// method is whatever token a client sends, so past that, heads are written per span.
    package final class SpanHeads: Sendable {
        private struct Head {
            let name: SpanName
            let kind: SpanKind
            let http: HTTPServerAttributes
            let bytes: [UInt8]

            /// Whether this is the head of a span with these fields. Strings compare their
            /// storage first: a route's template is the same string in every request.
            @inline(__always)
            func matches(_ name: SpanName, _ kind: SpanKind, _ http: HTTPServerAttributes) -> Bool {
                http.route == self.http.route && http.method == self.http.method && name.text == self.name.text
                    && name.method == self.name.method && http.protocolVersion == self.http.protocolVersion
                    && http.serverPort == self.http.serverPort && kind == self.kind
            }
        }

        /// Heads kept at most.
        package static let capacity = 256
        private let heads = Mutex<[Head]>([])

        /// An empty cache.
        package init() {}

        /// Heads kept now.
        package var count: Int { heads.withLock { $0.count } }

        /// Writes the head of a span named `name`, of `kind`, with `http`'s attributes:
        /// copied from the cache, or written and kept for the route's next span.
        @inline(__always)
        func append(_ name: SpanName, _ kind: SpanKind, _ http: HTTPServerAttributes, to writer: inout some ProtobufOutput) {
            let copied = heads.withLock { heads -> Bool in
                guard let head = heads.first(where: { $0.matches(name, kind, http) }) else { return false }
                head.bytes.withUnsafeBytes { writer.appendRaw($0) }
                return true
            }
            if copied { return }
            var bytes = ProtobufWriter(bytes: [])
            OTLPEncoding.appendHead(name, kind, http, to: &bytes)
            bytes.bytes.withUnsafeBytes { writer.appendRaw($0) }
            // Stripped of the request's own values, which are not part of the head.
            var routeOnly = http
            routeOnly.path = ""
            routeOnly.statusCode = nil
            routeOnly.errorType = nil
            heads.withLock { heads in
                guard heads.count < Self.capacity, !heads.contains(where: { $0.matches(name, kind, http) }) else { return }
                heads.append(Head(name: name, kind: kind, http: routeOnly, bytes: bytes.bytes))
            }
        }
    }

    /// A span's head: its name (field 5), its kind (6) and, for a server span, the HTTP
    /// attributes that are the same for all of its route's requests (9).
    static func appendHead(_ name: SpanName, _ kind: SpanKind, _ http: HTTPServerAttributes?,
                           to writer: inout some ProtobufOutput) {
        appendName(name, to: &writer)                                                            // name
        let kind = kindNumber(kind)
        if kind != 0 { writer.appendVarintField(6, kind) }                                       // kind
        if let http { appendRouteAttributes(http, to: &writer) }                                  // attributes
    }
}
