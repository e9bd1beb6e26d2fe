import Tracing
import W3CTraceContext

/// A span's name, kept in two parts so that a server span's `GET /api/v1/order/map` is
/// never built as one string on the request's path: the exporter writes the parts.
public struct SpanName: Sendable, Hashable, CustomStringConvertible {
    /// A server span's method, or empty.
    public let method: String
    /// The name, or a server span's route template.
    public let text: String

    /// A name as given.
    public init(_ text: String) {
        method = ""
        self.text = text
    }

    /// A server span's name: method and route template, with a space between.
    public init(method: String, route: String) {
        self.method = method
        text = route
    }

    /// The whole name.
    public var description: String { method.isEmpty ? text : method + " " + text }

    /// The whole name's length in UTF-8 bytes.
    public var utf8Count: Int { method.isEmpty ? text.utf8.count : method.utf8.count + 1 + text.utf8.count }
}

/// A sampled span once it ended: what an exporter sends.
public struct FinishedSpan: Sendable {
    /// The span's name (`GET /api/v1/order/map`, `inventory-cache.read`).
    public var name: String { spanName.description }
    /// The name in its parts.
    public var spanName: SpanName
    /// Server, client, internal, …
    public var kind: SpanKind
    /// The span's trace, id, flags and trace state.
    public var traceContext: TraceContext
    /// The parent's span id, or nil for a root span.
    public var parentSpanID: SpanID?
    /// Whether the parent came from another process (nil for a root span).
    public var parentIsRemote: Bool?
    /// Start and end, in nanoseconds since the Unix epoch.
    public var startNanoseconds: UInt64
    /// End, in nanoseconds since the Unix epoch.
    public var endNanoseconds: UInt64
    /// A server span's HTTP attributes, kept apart from the others (see `HTTPServerAttributes`).
    public var http: HTTPServerAttributes?
    /// The attributes besides `http`.
    public var otherAttributes: SpanAttributes
    /// OK, error, or unset (nil).
    public var status: SpanStatus?
    /// Events in the order they happened (recorded errors among them, as `exception`).
    public var events: [SpanEvent]
    /// Links to other spans.
    public var links: [SpanLink]

    /// All the span's attributes, the HTTP ones included.
    public var attributes: SpanAttributes { http?.merged(into: otherAttributes) ?? otherAttributes }
}

/// Where ended, sampled spans go: the OTLP exporter's queue, or a test's array. Called on
/// the thread that ended the span (often an event loop), with that span's lock held (the
/// record is read where the span keeps it), so it must not block. A class: each span keeps
/// its tracer's sink, and a class existential is one reference to copy, not a value to box.
public protocol SpanSink: AnyObject, Sendable {
    /// Takes one ended span.
    func record(_ span: FinishedSpan)
    /// Sends what is queued now, as far as it can without blocking for long.
    func flush()
}
