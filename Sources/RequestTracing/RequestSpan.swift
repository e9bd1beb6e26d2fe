import Synchronization
import Tracing
import W3CTraceContext

/// A span of `RequestTracer`. A sampled span records its name, attributes, status, events
/// and links under a lock, and hands itself to the tracer's sink once, when it ends. A span
/// that is not sampled records nothing: each call returns at once.
public final class RequestSpan: Span {
    /// The context of this span: the caller's, with this span in it (so its identity), made
    /// when asked for; the span keeps only the caller's, which cannot hold it (no cycle).
    public var context: InstrumentationContext {
        if self === RequestSpan.sampledOut { return RequestSpan.sampledOutContext }
        var context = parentContext
        context.recordingSpan = self
        return context
    }
    /// Whether the span is sampled, so kept and exported.
    public let isRecording: Bool

    private struct State {
        var name: SpanName
        /// A server span's HTTP attributes, apart from the rest until someone replaces the
        /// whole set (then they move into `attributes`).
        var http: HTTPServerAttributes?
        /// Empty for most spans: made once (`noAttributes`), not from an empty literal per span.
        var attributes = RequestSpan.noAttributes
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [SpanLink] = []
        var ended = false
    }

    /// The attributes a span starts with.
    private static let noAttributes = SpanAttributes()

    private let state: Mutex<State>
    private let parentContext: InstrumentationContext
    private let identity: SpanIdentity
    private let parentSpanID: SpanID?
    private let parentIsRemote: Bool
    private let kind: SpanKind
    private let startNanoseconds: UInt64
    private let sink: any SpanSink

    init(name: SpanName, http: HTTPServerAttributes?, parentContext: InstrumentationContext, identity: SpanIdentity,
         parentSpanID: SpanID?, parentIsRemote: Bool, kind: SpanKind, startNanoseconds: UInt64, sink: any SpanSink) {
        self.parentIsRemote = parentIsRemote
        self.parentContext = parentContext
        self.identity = identity
        self.parentSpanID = parentSpanID
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.sink = sink
        isRecording = identity.isSampled
        state = Mutex(State(name: name, http: http))
    }

    /// The one span of every request whose new trace the sampler left out, and of any span
    /// started inside one: it records nothing and names no trace, so such a request makes no
    /// span or context of its own (the sampling ratio's whole point is that most requests
    /// cost next to nothing). Log lines and propagation leave it out.
    static let sampledOut = RequestSpan(
        name: SpanName(""), http: nil, parentContext: .topLevel, identity: .sampledOut, parentSpanID: nil,
        parentIsRemote: false, kind: .internal, startNanoseconds: 0, sink: DiscardingSink())

    /// `sampledOut`'s context, made once.
    static let sampledOutContext: InstrumentationContext = {
        var context = InstrumentationContext.topLevel
        context.recordingSpan = sampledOut
        return context
    }()

    /// The span's trace, id and flags.
    public var spanIdentity: SpanIdentity { identity }

    /// The span's ids as numbers when it is sampled (what exemplars and registry entries
    /// keep), nil when it is not.
    public var sampledIDs: SampledSpanIDs? {
        isRecording ? SampledSpanIDs(identity.traceContext) : nil
    }

    /// The span's name; renamed once the route is known, for example.
    public var operationName: String {
        get { state.withLock { $0.name.description } }
        set { if isRecording { state.withLock { $0.name = SpanName(newValue) } } }
    }

    /// The span's attributes, its HTTP ones included.
    public var attributes: SpanAttributes {
        get { state.withLock { $0.http?.merged(into: $0.attributes) ?? $0.attributes } }
        set {
            guard isRecording else { return }
            state.withLock { state in
                state.http = nil
                state.attributes = newValue
            }
        }
    }

    /// Changes the attributes in place, under the span's lock: the protocol's default reads
    /// a copy and writes it back, which copies the dictionary each time.
    public func updateAttributes(_ update: (inout SpanAttributes) -> Void) {
        guard isRecording else { return }
        state.withLock { state in
            if let http = state.http {
                state.attributes = http.merged(into: state.attributes)
                state.http = nil
            }
            update(&state.attributes)
        }
    }

    /// Sets `http.response.status_code` and, for a 5xx, the error status and an `error.type`
    /// naming the status, unless an escaped error named its own type already.
    public func setHTTPResponseStatus(_ status: Int) {
        guard isRecording else { return }
        state.withLock { state in
            let isError = status >= 500
            if isError { state.status = SpanStatus(code: .error) }
            if state.http != nil {
                state.http!.statusCode = status
                if isError && state.http!.errorType == nil && state.attributes.get(HTTPServerAttributes.Key.errorType) == nil {
                    state.http!.errorType = String(status)
                }
            } else {
                state.attributes.set(HTTPServerAttributes.Key.statusCode, value: .int64(Int64(status)))
                if isError && state.attributes.get(HTTPServerAttributes.Key.errorType) == nil { state.attributes.set(HTTPServerAttributes.Key.errorType, value: .string(String(status))) }
            }
        }
    }

    /// Sets `error.type` (an escaped error's type) and the error status.
    public func setErrorType(_ type: String) {
        guard isRecording else { return }
        state.withLock { state in
            state.status = SpanStatus(code: .error)
            if state.http != nil { state.http!.errorType = type } else { state.attributes.set(HTTPServerAttributes.Key.errorType, value: .string(type)) }
        }
    }

    /// Sets the status; the last one set stands.
    public func setStatus(_ status: SpanStatus) {
        guard isRecording else { return }
        state.withLock { $0.status = status }
    }

    /// Adds an event.
    public func addEvent(_ event: SpanEvent) {
        guard isRecording else { return }
        state.withLock { $0.events.append(event) }
    }

    /// Records an error as an `exception` event with `exception.type` and `exception.message`
    /// (OpenTelemetry's semantic conventions). The status is left to the caller.
    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes,
                                                    at instant: @autoclosure () -> Instant) {
        guard isRecording else { return }
        var eventAttributes = attributes
        eventAttributes["exception.type"] = String(reflecting: type(of: error))
        eventAttributes["exception.message"] = String(describing: error)
        let event = SpanEvent(name: "exception", at: instant(), attributes: eventAttributes)
        state.withLock { $0.events.append(event) }
    }

    /// Adds a link to another span.
    public func addLink(_ link: SpanLink) {
        guard isRecording else { return }
        state.withLock { $0.links.append(link) }
    }

    /// Ends the span: a sampled one goes to the sink, once; a second end does nothing.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard isRecording else { return }
        let end = instant().nanosecondsSinceEpoch
        let finished: FinishedSpan? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return FinishedSpan(spanName: state.name, kind: kind, traceContext: identity.traceContext,
                                parentSpanID: parentSpanID, parentIsRemote: parentSpanID == nil ? nil : parentIsRemote,
                                startNanoseconds: startNanoseconds, endNanoseconds: max(end, startNanoseconds),
                                http: state.http, otherAttributes: state.attributes,
                                status: state.status, events: state.events, links: state.links)
        }
        if let finished { sink.record(finished) }
    }
}

/// Where `RequestSpan.sampledOut` would send itself: it never does (it is not sampled).
private struct DiscardingSink: SpanSink {
    func record(_ span: FinishedSpan) {}
    func flush() {}
}
