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
    /// Whether this names a trace: false for the identity of requests whose new trace the
    /// sampler left out, which get no ids of their own (its trace id is all zeros, which W3C
    /// trace context never uses).
    public var namesATrace: Bool {
        withUnsafeBytes(of: traceContext.traceID.bytes) { $0.loadUnaligned(as: UInt64.self) | $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) } != 0
    }

    /// The identity of every request whose new trace the sampler left out.
    static let sampledOut = SpanIdentity(
        traceContext: TraceContext(traceID: TraceID(bytes: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                                   spanID: SpanID(bytes: (0, 0, 0, 0, 0, 0, 0, 0)), flags: [], state: TraceState()),
        isRemote: false)
}

/// The context key under which a span's identity travels.
enum SpanIdentityKey: InstrumentationContextKey {
    typealias Value = SpanIdentity
    static var nameOverride: String? { "orders.span-identity" }
}

extension InstrumentationContext {
    /// The identity of the span this context belongs to, or of the remote parent it names.
    public var spanIdentity: SpanIdentity? {
        get {
            // Most requests start with an empty context: no generic lookup for them.
            if isEmpty { return nil }
            return self[RecordingSpanKey.self]?.spanIdentity ?? self[SpanIdentityKey.self]
        }
        set { self[SpanIdentityKey.self] = newValue }
    }
}

/// The context key under which a span itself travels: its identity for the spans started
/// inside it, and the span for code that annotates it (recovery, which turns an escaped
/// error into a 500, names the error on the request's span). One entry per span.
enum RecordingSpanKey: InstrumentationContextKey {
    typealias Value = RequestSpan
    static var nameOverride: String? { "orders.recording-span" }
}

extension InstrumentationContext {
    /// The span this context belongs to (a `RequestSpan`'s `context` holds it).
    public var recordingSpan: RequestSpan? {
        get { self[RecordingSpanKey.self] }
        set { self[RecordingSpanKey.self] = newValue }
    }
}
