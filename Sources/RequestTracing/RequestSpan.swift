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

    /// What the span records, kept as the `FinishedSpan` it ends as: `end` hands this very
    /// value to the sink (under the lock), so ending a span copies none of its fields.
    private struct State {
        var record: FinishedSpan
        var ended = false
    }

    /// The attributes a span starts with: empty for most spans, made once rather than from
    /// an empty literal per span.
    private static let noAttributes = SpanAttributes()

    private let state: Mutex<State>
    private let parentContext: InstrumentationContext
    private let identity: SpanIdentity
    private let sink: any SpanSink

    init(name: SpanName, http: HTTPServerAttributes?, parentContext: InstrumentationContext, identity: SpanIdentity,
         parentSpanID: SpanID?, parentIsRemote: Bool, kind: SpanKind, startNanoseconds: UInt64, sink: any SpanSink) {
        self.parentContext = parentContext
        self.identity = identity
        self.sink = sink
        isRecording = identity.isSampled
        state = Mutex(State(record: FinishedSpan(
            spanName: name, kind: kind, traceContext: identity.traceContext, parentSpanID: parentSpanID,
            parentIsRemote: parentSpanID == nil ? nil : parentIsRemote, startNanoseconds: startNanoseconds,
            endNanoseconds: startNanoseconds, http: http, otherAttributes: RequestSpan.noAttributes,
            status: nil, events: [], links: [])))
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
        get { state.withLock { $0.record.name } }
        set { if isRecording { state.withLock { $0.record.spanName = SpanName(newValue) } } }
    }

    /// The span's attributes, its HTTP ones included.
    public var attributes: SpanAttributes {
        get { state.withLock { $0.record.attributes } }
        set {
            guard isRecording else { return }
            state.withLock { state in
                state.record.http = nil
                state.record.otherAttributes = newValue
            }
        }
    }

    /// Changes the attributes in place, under the span's lock: the protocol's default reads
    /// a copy and writes it back, which copies the dictionary each time.
    public func updateAttributes(_ update: (inout SpanAttributes) -> Void) {
        guard isRecording else { return }
        state.withLock { state in
            if let http = state.record.http {
                state.record.otherAttributes = http.merged(into: state.record.otherAttributes)
                state.record.http = nil
            }
            update(&state.record.otherAttributes)
        }
    }

    /// Sets `http.response.status_code` and, for a 5xx, the error status and an `error.type`
    /// naming the status, unless an escaped error named its own type already.
    public func setHTTPResponseStatus(_ status: Int) {
        guard isRecording else { return }
        state.withLock { Self.setHTTPResponseStatus(status, in: &$0.record) }
    }

    private static func setHTTPResponseStatus(_ status: Int, in record: inout FinishedSpan) {
        let isError = status >= 500
        if isError { record.status = SpanStatus(code: .error) }
        // The attributes are moved out and back (`take`): changed through `http!.…` they
        // were copied, a retain and a release per string.
        if var http = record.http.take() {
            http.statusCode = status
            if isError && http.errorType == nil && record.otherAttributes.get(HTTPServerAttributes.Key.errorType) == nil {
                http.errorType = String(status)
            }
            record.http = http
        } else {
            record.otherAttributes.set(HTTPServerAttributes.Key.statusCode, value: .int64(Int64(status)))
            if isError && record.otherAttributes.get(HTTPServerAttributes.Key.errorType) == nil {
                record.otherAttributes.set(HTTPServerAttributes.Key.errorType, value: .string(String(status)))
            }
        }
    }

    /// Sets `error.type` (an escaped error's type) and the error status.
    public func setErrorType(_ type: String) {
        guard isRecording else { return }
        state.withLock { state in
            state.record.status = SpanStatus(code: .error)
            if var http = state.record.http.take() {
                http.errorType = type
                state.record.http = http
            } else {
                state.record.otherAttributes.set(HTTPServerAttributes.Key.errorType, value: .string(type))
            }
        }
    }

    /// Sets the status; the last one set stands.
    public func setStatus(_ status: SpanStatus) {
        guard isRecording else { return }
        state.withLock { $0.record.status = status }
    }

    /// Adds an event.
    public func addEvent(_ event: SpanEvent) {
        guard isRecording else { return }
        state.withLock { $0.record.events.append(event) }
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
        state.withLock { $0.record.events.append(event) }
    }

    /// Adds a link to another span.
    public func addLink(_ link: SpanLink) {
        guard isRecording else { return }
        state.withLock { $0.record.links.append(link) }
    }

    /// Ends the span: a sampled one goes to the sink, once; a second end does nothing.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard isRecording else { return }
        end(nanosecondsSinceEpoch: instant().nanosecondsSinceEpoch)
    }

    /// Ends the span at a time the caller read, in nanoseconds since the Unix epoch (a
    /// server span's, from the request's own clock readings).
    public func end(nanosecondsSinceEpoch end: UInt64) {
        guard isRecording else { return }
        state.withLock { Self.end(&$0, at: end, sink: sink) }
    }

    /// Sets the response's status (as `setHTTPResponseStatus`) and ends the span, under one
    /// lock: how a server span ends.
    public func end(httpResponseStatus status: Int, nanosecondsSinceEpoch end: UInt64) {
        guard isRecording else { return }
        state.withLock { state in
            guard !state.ended else { return }
            Self.setHTTPResponseStatus(status, in: &state.record)
            Self.end(&state, at: end, sink: sink)
        }
    }

    /// The sink reads the record where it lies, under the span's lock: it gets a value and
    /// never the span, so it cannot wait on this lock.
    private static func end(_ state: inout State, at end: UInt64, sink: any SpanSink) {
        guard !state.ended else { return }
        state.ended = true
        state.record.endNanoseconds = max(end, state.record.startNanoseconds)
        sink.record(state.record)
    }
}

/// Where `RequestSpan.sampledOut` would send itself: it never does (it is not sampled).
private final class DiscardingSink: SpanSink {
    func record(_ span: FinishedSpan) {}
    func flush() {}
}
