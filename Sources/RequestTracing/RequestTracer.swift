import Synchronization
import Tracing
import W3CTraceContext

/// orders' tracer, through swift-distributed-tracing's API: bootstrap it with
/// `InstrumentationSystem.bootstrap(tracer)`, and handlers and libraries start spans with
/// `withSpan` as with any other tracer. A span's parent is the one in the context it starts
/// in (the task-local `InstrumentationContext.current` by default); a span without one
/// starts a trace. Sampling is `TraceSampler`'s; ended sampled spans go to the sink.
///
/// As an `Instrument` it reads and writes W3C `traceparent` and `tracestate`
/// (`TraceContextHeaders`).
public final class RequestTracer: Tracer {
    /// The span type.
    public typealias Span = RequestSpan

    /// How new traces are sampled.
    public let sampler: TraceSampler
    private let sink: any SpanSink

    /// A tracer sampling with `sampler` and handing ended sampled spans to `sink`.
    public init(sampler: TraceSampler, sink: any SpanSink) {
        self.sampler = sampler
        self.sink = sink
    }

    /// Starts a span as a child of the span (or remote parent) in `context`.
    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> RequestSpan {
        let parent = context()
        return startSpan(parentIdentity: parent.spanIdentity, parentContext: parent, ofKind: kind,
                         nanosecondsSinceEpoch: instant().nanosecondsSinceEpoch) { _ in (SpanName(operationName), nil) }
    }

    /// A server span for an HTTP request, named by its method and route template
    /// (`GET /api/v1/order/map`) and carrying its HTTP attributes: what the tracing
    /// middleware starts once per request, as a child of the caller's span when its
    /// `traceparent` named one (`remoteParent`, from `TraceContextHeaders.extract`), else
    /// in a new trace. No generics, no context to read, and the attributes are made only
    /// for a sampled span (an unsampled one records nothing).
    public func startServerSpan(_ attributes: @autoclosure () -> HTTPServerAttributes, remoteParent: TraceContext?,
                                nanosecondsSinceEpoch start: @autoclosure () -> UInt64) -> RequestSpan {
        // The span's context needs no remote parent in it: the span's own identity, which
        // it holds, is what spans started inside it and `inject` read.
        startSpan(parentIdentity: remoteParent.map { SpanIdentity(traceContext: $0, isRemote: true) },
                  parentContext: .topLevel, ofKind: .server, nanosecondsSinceEpoch: start()) { sampled in
            guard sampled else { return (SpanName(""), nil) }
            let http = attributes()
            return (SpanName(method: http.method, route: http.route), http)
        }
    }

    /// A span under `parentIdentity` (none: a new trace), whose context will be
    /// `parentContext` with the span in it. Nothing but the sampler's draw is made for a
    /// span left out.
    @inline(__always)
    private func startSpan(parentIdentity: SpanIdentity?, parentContext: @autoclosure () -> InstrumentationContext,
                           ofKind kind: SpanKind, nanosecondsSinceEpoch start: @autoclosure () -> UInt64,
                           describe: (_ sampled: Bool) -> (SpanName, HTTPServerAttributes?)) -> RequestSpan {
        // Inside a request the sampler left out, every span is that request's one span.
        if let parentIdentity, !parentIdentity.namesATrace { return .sampledOut }
        let parentTrace = parentIdentity?.traceContext
        var random = IDRandom()
        let traceID: TraceID, sampled: Bool
        if let parentTrace {
            traceID = parentTrace.traceID
            sampled = sampler.isSampled(traceID: traceID, parentFlags: parentTrace.flags)
        } else {
            // A new trace: the sampler reads only the id's last eight bytes, so they are
            // drawn first, and the rest only for a trace that is kept. One left out gets no
            // span, no ids and no context of its own.
            let low = random.next()
            guard sampler.isSampled(newTraceLowBits: low) else { return .sampledOut }
            traceID = random.traceID(low: low)
            sampled = true
        }
        let identity = SpanIdentity(
            traceContext: TraceContext(traceID: traceID, spanID: random.spanID(), flags: sampled ? .sampled : [],
                                       state: parentTrace?.state ?? TraceState()),
            isRemote: false
        )
        let (name, http) = describe(sampled)
        return RequestSpan(name: name, http: http, parentContext: parentContext(), identity: identity,
                           parentSpanID: parentTrace?.spanID, parentIsRemote: parentIdentity?.isRemote ?? false,
                           kind: kind, startNanoseconds: start(), sink: sink)
    }

    /// Reads `traceparent` and `tracestate` into the context as a remote parent.
    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        guard let traceparent = extractor.extract(key: "traceparent", from: carrier) else { return }
        // lookup-lint: allow — no tracestate field is an empty list: the parent has no vendor state
        let tracestate = extractor.extract(key: "tracestate", from: carrier).map { [$0] } ?? []
        guard let parent = TraceContextHeaders.extract(traceparent: [traceparent], tracestate: tracestate) else { return }
        context.spanIdentity = SpanIdentity(traceContext: parent, isRemote: true)
    }

    /// Writes the context's span as `traceparent` (and `tracestate` when it has one).
    public func inject<Carrier, Inject: Injector>(
        _ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let identity = context.spanIdentity, identity.namesATrace else { return }
        injector.inject(identity.traceContext.traceParentHeaderValue, forKey: "traceparent", into: &carrier)
        if let state = identity.traceContext.traceStateHeaderValue {
            injector.inject(state, forKey: "tracestate", into: &carrier)
        }
    }

    /// Sends what the sink holds.
    public func forceFlush() { sink.flush() }

    /// Makes this the process's tracer (`InstrumentationSystem.bootstrap`), once, and turns
    /// on what costs something only with traces: trace ids on registry entries.
    /// Call it before the server starts: threads started after it see the flag set.
    public func bootstrap() {
        InstrumentationSystem.bootstrap(self)
        Self._isActive = true
    }

    /// Whether a `RequestTracer` was bootstrapped: a plain load, inlined into the code on
    /// every request, so that it skips trace work entirely when traces are off.
    @inlinable
    public static var isActive: Bool { _isActive }

    /// `isActive`'s storage: written once, by `bootstrap`, before the threads that read it
    /// start.
    @usableFromInline
    nonisolated(unsafe) private(set) static var _isActive = false

    /// The ids of the sampled span the calling code runs in, as numbers: what exemplars and
    /// registry entries keep (hex is made only when they are read). Nil when traces are off
    /// (one plain load) or the span is not sampled.
    ///
    /// This reads the task-local `InstrumentationContext.current`, a lookup in the context's
    /// type-erased storage (about 0.1 µs). Middleware on a request's path reads the same ids
    /// from the request's context instead (`RequestContext.sampledSpan`, which
    /// `TracingMiddleware` sets), where they cost nothing to find.
    public static var currentSampledIDs: SampledSpanIDs? {
        guard isActive, let identity = InstrumentationContext.current?.spanIdentity, identity.isSampled else { return nil }
        return SampledSpanIDs(identity.traceContext)
    }

    /// Runs `operation` as the request of `span`: in the span's context, so that spans
    /// started inside it are its children and logs name its trace. One task-local is bound,
    /// sampled or not: a request the sampler left out binds the one shared context of
    /// `RequestSpan.sampledOut`, so that its children are left out too.
    @inlinable
    public func withRequestSpan<Result>(_ span: RequestSpan, _ operation: () async throws -> Result) async rethrows -> Result {
        try await InstrumentationContext.$current.bound(to: span.context) { try await operation() }
    }

    /// Binds `span`'s context, as `withRequestSpan` does, until `unbindRequestSpan()`: for a
    /// caller that runs the steps before and after its `await` out of line (each `await`
    /// in between keeps the binding). Every bind must be followed by exactly one unbind on
    /// the same task, on every path.
    @inlinable
    package func bindRequestSpan(_ span: RequestSpan) {
        InstrumentationContext.$current.push(span.context)
    }

    /// Ends the binding of the last `bindRequestSpan(_:)`.
    @inlinable
    package func unbindRequestSpan() {
        InstrumentationContext.$current.pop()
    }

    /// The same for a synchronous operation (a route answered on the loop's thread, with
    /// no task: the task-local then lives in the thread's fallback storage).
    @inlinable
    public func withRequestSpan<Result>(_ span: RequestSpan, _ operation: () throws -> Result) rethrows -> Result {
        try InstrumentationContext.withValue(span.context) { try operation() }
    }

    /// The trace id of the sampled span the calling code runs in (as 32 hex digits), or nil
    /// when traces are off, there is none, or it is not sampled (its trace is not exported,
    /// so an id on a task would lead nowhere).
    public static var currentTraceID: String? {
        guard isActive, let identity = InstrumentationContext.current?.spanIdentity, identity.isSampled else { return nil }
        return identity.traceIDText
    }
}

/// A sampled span's trace id (two big-endian halves) and span id, as numbers.
public struct SampledSpanIDs: Sendable, Hashable {
    /// The trace id's first eight bytes.
    public var traceHigh: UInt64
    /// The trace id's last eight bytes.
    public var traceLow: UInt64
    /// The span id.
    public var span: UInt64

    init(_ context: TraceContext) {
        (traceHigh, traceLow) = withUnsafeBytes(of: context.traceID.bytes) {
            (UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)), UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        span = withUnsafeBytes(of: context.spanID.bytes) { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
    }
}

/// Trace and span ids: SplitMix64 over one atomic counter seeded from the system's random
/// source. Every call gives a different 64-bit value (SplitMix64 is a bijection of the
/// counter), with no lock and no system call per id.
struct IDRandom: RandomNumberGenerator {
    private static let counter = Atomic<UInt64>({
        var system = SystemRandomNumberGenerator()
        return system.next()
    }())

    /// A trace id whose last eight bytes are `low` (already drawn, for the sampler), the first
    /// eight drawn now (never all zeros: SplitMix64 gives 0 for one counter value).
    mutating func traceID(low: UInt64) -> TraceID {
        var high = next()
        while high == 0 && low == 0 { high = next() }
        let h = high.bigEndian, l = low.bigEndian
        return withUnsafeBytes(of: (h, l)) { TraceID(bytes: $0.load(as: TraceID.Bytes.self)) }
    }

    /// A span id (never all zeros).
    mutating func spanID() -> SpanID {
        var value = next()
        while value == 0 { value = next() }
        return withUnsafeBytes(of: value.bigEndian) { SpanID(bytes: $0.load(as: SpanID.Bytes.self)) }
    }

    mutating func next() -> UInt64 {
        var z = Self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
