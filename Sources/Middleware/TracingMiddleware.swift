import RequestTracing
import Server
import Tracing
import W3CTraceContext

/// A server span for each request (OpenTelemetry's HTTP semantic conventions), continuing
/// the trace a valid W3C `traceparent` names or starting one.
///
/// The span is named by method and route template (`GET /api/v1/order/map`) and carries
/// `http.request.method`, `http.route`, `url.path`, `network.protocol.version`,
/// `server.port`, `http.response.status_code`, and `error.type` on a 5xx or an error that
/// escaped. The rest of the route runs with the span's context as the task-local
/// `InstrumentationContext.current`, so handlers and libraries start child spans with
/// swift-distributed-tracing's `withSpan`, logs name the trace (`TraceLogMetadata`), and
/// recovery can record an escaped error on the span. A sampled span's ids go into the
/// request's context too (`sampledSpan`), for the exemplar and the registry entry of the
/// diagnostic link inside (the fused link hands them over as an argument instead).
///
/// Put it outermost, around `DiagnosticMiddleware`, so the access-log line is written inside
/// the span; `TracedDiagnosticsMiddleware` runs the two in one async frame (what `orders`
/// uses), saving an async route one switch back to its executor per request. Around an async route it runs in the request's task; around a synchronous one
/// it is synchronous too (`compose(around:)`), so such a route still runs without a task.
public struct TracingMiddleware: Middleware {
    /// The tracer spans start from.
    public let tracer: RequestTracer
    /// The public listener's port (`server.port` when the request's authority names none).
    public let serverPort: Int
    /// The spans' wall-clock times, from the request's continuous readings.
    let clock = SpanClock()

    /// Spans from `tracer`, for a server listening on `serverPort`.
    public init(tracer: RequestTracer, serverPort: Int) {
        self.tracer = tracer
        self.serverPort = serverPort
    }

    /// The port an authority (`Host`, `:authority`) names, as `server.port` prefers it.
    static func port(in authority: String) -> Int? {
        // Digits after the last colon, read from the end: "[::1]:8080", "example.com:443".
        // Over the contiguous bytes: a `reversed()` view walks the string by index.
        var authority = authority
        return authority.withUTF8 { bytes in
            var port = 0, scale = 1
            for byte in bytes.reversed() {
                if byte == UInt8(ascii: ":") { return scale > 1 ? port : nil }
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), scale <= 10_000 else { return nil }
                port += Int(byte - UInt8(ascii: "0")) * scale
                scale *= 10
            }
            return nil
        }
    }

    /// Runs the rest of the route inside the request's server span.
    public func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
        var context = context
        return try await respond(to: request, context: &context, next: next)
    }

    /// `handle`'s steps in the caller's copy of the context: what the composed async
    /// responder runs, in its own frame (no frame of `handle` between it and the route).
    @inline(__always)
    func respond(to request: Request, context: inout RequestContext, next: Responder) async throws -> Response {
        let span = start(request, &context)
        do {
            let response = try await tracer.withRequestSpan(span) {
                try await next.respond(to: request, context: &context)
            }
            finish(span, response)
            return response
        } catch {
            fail(span, error)
            throw error
        }
    }

    /// Around a synchronous route (`/plaintext`, `/json`), a synchronous responder: the
    /// span's context is bound in the thread's task-local fallback storage, so the route
    /// keeps its fast path (no task) with traces on.
    public func compose(around next: Responder) -> Responder {
        guard let inner = next.synchronousBody else {
            return Responder { request, context in try await self.respond(to: request, context: &context, next: next) }
        }
        return Responder(synchronous: { request, context in
            let span = self.start(request, &context)
            do {
                let response = try self.tracer.withRequestSpan(span) { try inner(request, &context) }
                self.finish(span, response)
                return response
            } catch {
                self.fail(span, error)
                throw error
            }
        })
    }

    /// The request's server span: a child of the remote parent its valid `traceparent`
    /// names, or a new trace. A sampled one's ids go into the context.
    @inline(__always)
    func start(_ request: Request, _ context: inout RequestContext) -> RequestSpan {
        let span = startSpan(request, context)
        if span.isRecording { context.sampledSpan = span.sampledIDs }
        return span
    }

    /// The request's server span, with nothing put in the context.
    @inline(__always)
    func startSpan(_ request: Request, _ context: RequestContext) -> RequestSpan {
        // Most requests carry no traceparent (one scan of the fields, no array), and a
        // tracestate means nothing without one.
        var remoteParent: TraceContext?
        if request.headers.contains("traceparent") {
            remoteParent = TraceContextHeaders.extract(traceparent: request.headers.values("traceparent"),
                                                       tracestate: request.headers.values("tracestate"))
        }
        return tracer.startServerSpan(
            HTTPServerAttributes(method: request.method.rawValue, route: context.route, path: request.path,
                                 protocolVersion: context.httpVersion == .http2 ? "2" : "1.1",
                                 serverPort: Self.port(in: request.authority) ?? serverPort),
            remoteParent: remoteParent, nanosecondsSinceEpoch: clock.nanosecondsSinceEpoch(continuous: context.receivedNanoseconds))
    }

    /// Ends the span with the response's status (a 5xx is an error, named by its status
    /// unless a recovered error named its own type already). An unsampled span has nothing
    /// to end: skipping the calls saves the generic `end()` and its clock argument.
    @inline(__always)
    func finish(_ span: RequestSpan, _ response: Response) {
        guard span.isRecording else { return }
        finish(span, response, ended: ContinuousNanoseconds.now())
    }

    /// The same, for a route that ended at the continuous reading `ended`.
    @inline(__always)
    func finish(_ span: RequestSpan, _ response: Response, ended: UInt64) {
        guard span.isRecording else { return }
        span.end(httpResponseStatus: response.status.code, nanosecondsSinceEpoch: clock.nanosecondsSinceEpoch(continuous: ended))
    }

    /// Ends the span with an error that escaped the route, on the same clock as its start.
    func fail(_ span: RequestSpan, _ error: any Error) {
        guard span.isRecording else { return }
        span.recordError(error)
        span.setErrorType(String(reflecting: type(of: error)))
        span.end(nanosecondsSinceEpoch: clock.nanosecondsSinceEpoch(continuous: ContinuousNanoseconds.now()))
    }
}
