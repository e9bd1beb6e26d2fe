import Tracing
import W3CTraceContext

/// A sampled span once it ended: what an exporter sends.
public struct FinishedSpan: Sendable {
    /// The span's name (`GET /api/v1/order/map`, `inventory-cache.read`).
    public var name: String
    /// Server, client, internal, …
    public var kind: SpanKind
    /// The span's trace, id, flags and trace state.
    public var traceContext: TraceContext
    /// The parent's span id, or nil for a root span.
    public var parentSpanID: SpanID?
    /// Start and end, in nanoseconds since the Unix epoch.
    public var startNanoseconds: UInt64
    /// End, in nanoseconds since the Unix epoch.
    public var endNanoseconds: UInt64
    /// The span's attributes.
    public var attributes: SpanAttributes
    /// OK, error, or unset (nil).
    public var status: SpanStatus?
    /// Events in the order they happened (recorded errors among them, as `exception`).
    public var events: [SpanEvent]
    /// Links to other spans.
    public var links: [SpanLink]
}

/// Where ended, sampled spans go: the OTLP exporter's queue, or a test's array. Called on
/// the thread that ended the span (often an event loop), so it must not block.
public protocol SpanSink: Sendable {
    /// Takes one ended span.
    func record(_ span: FinishedSpan)
    /// Sends what is queued now, as far as it can without blocking for long.
    func flush()
}
