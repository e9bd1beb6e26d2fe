import Tracing
import W3CTraceContext

/// Who a span is, as it travels in an `InstrumentationContext` (swift-distributed-tracing's
/// `ServiceContext`): the W3C trace context, and whether it came from another process.
public struct SpanIdentity: Sendable, Hashable {
    /// The trace, the span and its flags and vendor state.
    public var traceContext: TraceContext
    /// True for a parent named by an incoming `traceparent`.
    public var isRemote: Bool

    /// An identity from its parts.
    public init(traceContext: TraceContext, isRemote: Bool) {
        self.traceContext = traceContext
        self.isRemote = isRemote
    }

    /// The trace id, as 32 lowercase hex digits (what logs and exemplars show).
    public var traceIDText: String { traceContext.traceID.description }
    /// The span id, as 16 lowercase hex digits.
    public var spanIDText: String { traceContext.spanID.description }
    /// Whether the span is recorded and exported.
    public var isSampled: Bool { traceContext.flags.contains(.sampled) }
}

/// The context key under which a span's identity travels.
enum SpanIdentityKey: InstrumentationContextKey {
    typealias Value = SpanIdentity
    static var nameOverride: String? { "orders.span-identity" }
}

extension InstrumentationContext {
    /// The identity of the span this context belongs to, or of the remote parent it names.
    public var spanIdentity: SpanIdentity? {
        get { self[SpanIdentityKey.self] }
        set { self[SpanIdentityKey.self] = newValue }
    }
}

/// The context key under which a request's server span itself travels, so that code deeper
/// in the request (recovery, which turns an escaped error into a 500) can annotate it.
enum RecordingSpanKey: InstrumentationContextKey {
    typealias Value = RequestSpan
    static var nameOverride: String? { "orders.recording-span" }
}

extension InstrumentationContext {
    /// The request's server span, while its request runs (set by the tracing middleware).
    public var recordingSpan: RequestSpan? {
        get { self[RecordingSpanKey.self] }
        set { self[RecordingSpanKey.self] = newValue }
    }
}
