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
        var context = parentContext
        context.recordingSpan = self
        return context
    }
    /// Whether the span is sampled, so kept and exported.
    public let isRecording: Bool

    private struct State {
        var name: String
        var attributes = SpanAttributes()
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [SpanLink] = []
        var ended = false
    }

    private let state: Mutex<State>
    private let parentContext: InstrumentationContext
    private let identity: SpanIdentity
    private let parentSpanID: SpanID?
    private let kind: SpanKind
    private let startNanoseconds: UInt64
    private let sink: any SpanSink

    init(name: String, parentContext: InstrumentationContext, identity: SpanIdentity, parentSpanID: SpanID?,
         kind: SpanKind, startNanoseconds: UInt64, sink: any SpanSink) {
        self.parentContext = parentContext
        self.identity = identity
        self.parentSpanID = parentSpanID
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.sink = sink
        isRecording = identity.isSampled
        state = Mutex(State(name: name))
    }

    /// The span's trace, id and flags.
    public var spanIdentity: SpanIdentity { identity }

    /// The span's name; renamed once the route is known, for example.
    public var operationName: String {
        get { state.withLock { $0.name } }
        set { if isRecording { state.withLock { $0.name = newValue } } }
    }

    /// The span's attributes.
    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { if isRecording { state.withLock { $0.attributes = newValue } } }
    }

    /// Changes the attributes in place, under the span's lock: the protocol's default reads
    /// a copy and writes it back, which copies the dictionary each time.
    public func updateAttributes(_ update: (inout SpanAttributes) -> Void) {
        guard isRecording else { return }
        state.withLock { update(&$0.attributes) }
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
            return FinishedSpan(name: state.name, kind: kind, traceContext: identity.traceContext,
                                parentSpanID: parentSpanID, startNanoseconds: startNanoseconds,
                                endNanoseconds: max(end, startNanoseconds), attributes: state.attributes,
                                status: state.status, events: state.events, links: state.links)
        }
        if let finished { sink.record(finished) }
    }
}
