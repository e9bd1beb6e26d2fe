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
        // Digits after the last colon, read from the end: "[::1]:8080", "example.com:443".
        var port = 0, scale = 1
        for byte in authority.utf8.reversed() {
            if byte == UInt8(ascii: ":") { return scale > 1 ? port : nil }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), scale <= 10_000 else { return nil }
            port += Int(byte - UInt8(ascii: "0")) * scale
            scale *= 10
        }
        return nil
    }

    /// Runs the rest of the route inside the request's server span.
    public func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
        var parent = InstrumentationContext.topLevel
        if let remote = TraceContextHeaders.extract(traceparent: request.headers.values("traceparent"),
                                                    tracestate: request.headers.values("tracestate")) {
            parent.spanIdentity = SpanIdentity(traceContext: remote, isRemote: true)
        }
        let span = tracer.startServerSpan(
            HTTPServerAttributes(method: request.method.rawValue, route: context.route, path: request.path,
                                 protocolVersion: context.httpVersion == .http2 ? "2" : "1.1",
                                 serverPort: Self.port(in: request.authority) ?? serverPort),
            parent: parent, nanosecondsSinceEpoch: DefaultTracerClock.now.nanosecondsSinceEpoch)
        do {
            let response = try await tracer.withRequestSpan(span) {
                try await next.respond(to: request, context: context)
            }
            // A recovered error has set its own error.type already; a plain 5xx gets its status.
            span.setHTTPResponseStatus(response.status.code)
            span.end()
            return response
        } catch {
            if span.isRecording {
                span.recordError(error)
                span.setErrorType(String(reflecting: type(of: error)))
            }
            span.end()
            throw error
        }
    }
}
