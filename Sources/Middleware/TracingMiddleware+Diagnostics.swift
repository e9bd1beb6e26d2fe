import RequestTracing
import Server

/// Tracing and the diagnostic link as one link: what orders puts in front of every route
/// when traces are on.
///
/// Around an async route each layer is an async frame, and every call from one layer into
/// the next is a call through a closure, after which the compiler has the task switch back
/// to its executor (`swift_task_switch`; on an event loop the task has an executor
/// preference, so the switch reads it under the task's status lock). `TracingMiddleware`
/// in front of `DiagnosticMiddleware` was one more such layer, about 60 ns a request: this
/// runs both in one frame, in the order the two would run (the span outside, so that the
/// access-log line is written inside it). Around a synchronous route there are no frames,
/// and it composes the two as they are.
public struct TracedDiagnosticsMiddleware: Middleware {
    /// The outer link: the request's server span.
    public let tracing: TracingMiddleware
    /// The inner link: request id, access log, metrics, task tracking and recovery.
    public let diagnostics: DiagnosticMiddleware

    /// The two links, `tracing` outside `diagnostics`.
    public init(tracing: TracingMiddleware, diagnostics: DiagnosticMiddleware) {
        self.tracing = tracing
        self.diagnostics = diagnostics
    }

    /// The same steps, for a caller that holds this as a `Middleware`.
    public func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
        var context = context
        return await respond(to: request, context: &context, next: next)
    }

    /// One async frame around an async route; the two synchronous links, fused as usual,
    /// around a synchronous one.
    public func compose(around next: Responder) -> Responder {
        guard next.synchronousBody == nil else { return tracing.compose(around: diagnostics.compose(around: next)) }
        return Responder { request, context in await self.respond(to: request, context: &context, next: next) }
    }

    /// The span, then the diagnostic link's steps around `next`, inside the span's context.
    @inline(__always)
    func respond(to request: Request, context: inout RequestContext, next: Responder) async -> Response {
        let (span, state) = begin(request, &context)
        var response: Response
        do {
            response = try await next.respond(to: request, context: &context)
        } catch {
            response = end(span, state, request, &context, error: error)
            return response
        }
        end(span, state, request, &context, response: &response)
        return response
    }

    // The steps before and after the route's `await` run out of line. Inlined, values
    // whose address a call takes are kept in the async frame, which the task allocates per
    // request: it grew past the allocator's slab (2 KB here), and each request then cost a
    // malloc and a free of that size, too large for malloc's per-thread cache. The `end`s
    // take the context `inout` though they do not change it: passed by value, a copy of
    // it stayed in the frame. (The frame is 976 bytes now: a uprobe on `swift_task_alloc`
    // shows its size.)

    /// Starts the span, binds its context (until `end`), and begins the diagnostic link,
    /// which gets the span's ids as an argument, not through the context.
    @inline(never)
    func begin(_ request: Request, _ context: inout RequestContext) -> (RequestSpan, DiagnosticMiddleware.State) {
        let span = tracing.startSpan(request, context)
        tracing.tracer.bindRequestSpan(span)
        return (span, diagnostics.begin(request, context: &context, trace: span.sampledIDs))
    }

    /// Ends the diagnostic link, the binding and the span. One clock reading ends the
    /// route: the duration's, the access log's and the span's.
    @inline(never)
    func end(_ span: RequestSpan, _ state: consuming DiagnosticMiddleware.State, _ request: Request,
             _ context: inout RequestContext, response: inout Response) {
        let ended = ContinuousNanoseconds.now()
        diagnostics.end(state, request: request, context: context, response: &response, trace: span.sampledIDs, ended: ended)
        tracing.tracer.unbindRequestSpan()
        tracing.finish(span, response, ended: ended)
    }

    /// The same after an error: recovery (in the diagnostic link) answers every error, and
    /// marks the span, still bound, with it.
    @inline(never)
    func end(_ span: RequestSpan, _ state: consuming DiagnosticMiddleware.State, _ request: Request,
             _ context: inout RequestContext, error: any Error) -> Response {
        let ended = ContinuousNanoseconds.now()
        let response = diagnostics.end(state, request: request, context: context, error: error,
                                       trace: span.sampledIDs, ended: ended)
        tracing.tracer.unbindRequestSpan()
        tracing.finish(span, response, ended: ended)
        return response
    }
}
