import RequestTracing
import Server
import Tracing

/// A server span for each request (OpenTelemetry's HTTP semantic conventions), continuing
/// the trace a valid W3C `traceparent` names or starting one.
///
/// The span is named by method and route template (`GET /api/v1/order/map`) and carries
/// `http.request.method`, `http.route`, `url.path`, `network.protocol.version`,
/// `server.port`, `http.response.status_code`, and `error.type` on a 5xx or an error that
/// escaped. The rest of the route runs with the span's context as the task-local
/// `InstrumentationContext.current`, so handlers and libraries start child spans with
/// swift-distributed-tracing's `withSpan`, logs name the trace (`TraceLogMetadata`), and
/// recovery can record an escaped error on the span.
///
/// Put it outermost, around `DiagnosticMiddleware`, so the access-log line is written inside
/// the span. It is an async middleware: a route behind it runs in a task.
public struct TracingMiddleware: Middleware {
    /// The tracer spans start from.
    public let tracer: RequestTracer
    /// The public listener's port (`server.port` when the request's authority names none).
    public let serverPort: Int

    /// Spans from `tracer`, for a server listening on `serverPort`.
    public init(tracer: RequestTracer, serverPort: Int) {
        self.tracer = tracer
        self.serverPort = serverPort
    }

    /// The port an authority (`Host`, `:authority`) names, as `server.port` prefers it.
    static func port(in authority: String) -> Int? {
        guard let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") else { return nil }
        return Int(authority[authority.index(after: colon)...])
    }

    /// Runs the rest of the route inside the request's server span.
    public func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
        var parent = InstrumentationContext.topLevel
        if let remote = TraceContextHeaders.extract(traceparent: request.headers.values("traceparent"),
                                                    tracestate: request.headers.values("tracestate")) {
            parent.spanIdentity = SpanIdentity(traceContext: remote, isRemote: true)
        }
        let span = tracer.startSpan("\(request.method.rawValue) \(context.route)", parent: parent, ofKind: .server,
                                    nanosecondsSinceEpoch: DefaultTracerClock.now.nanosecondsSinceEpoch)
        if span.isRecording {
            // One dictionary, built whole: setting attributes one by one boxes each value.
            span.attributes = SpanAttributes([
                "http.request.method": .string(request.method.rawValue),
                "http.route": .string(context.route),
                "url.path": .string(request.path),
                "network.protocol.version": .string(context.httpVersion == .http2 ? "2" : "1.1"),
                "server.port": .int64(Int64(Self.port(in: request.authority) ?? serverPort)),
            ])
        }
        do {
            let response = try await InstrumentationContext.withValue(span.context) {
                try await next.respond(to: request, context: context)
            }
            if span.isRecording {
                let status = response.status.code
                span.updateAttributes { attributes in
                    attributes.set("http.response.status_code", value: .int64(Int64(status)))
                    // A recovered error has set its own type already.
                    if status >= 500 && attributes.get("error.type") == nil { attributes.set("error.type", value: .string("\(status)")) }
                }
                if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
            }
            span.end()
            return response
        } catch {
            if span.isRecording {
                span.recordError(error)
                span.attributes["error.type"] = String(reflecting: type(of: error))
                span.setStatus(SpanStatus(code: .error))
            }
            span.end()
            throw error
        }
    }
}
