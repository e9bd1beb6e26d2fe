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
        // The span's ids go to the diagnostic link as an argument, not through the context.
        let span = tracing.startSpan(request, context)
        // Recovery (in the diagnostic link) answers every error, so none reaches the span
        // here; a recovered one has marked the span already.
        // One clock reading ends the route: the duration's, the access log's and the span's.
        var ended: UInt64 = 0
        let response = await tracing.tracer.withRequestSpan(span) {
            let state = diagnostics.begin(request, context: &context, trace: span.sampledIDs)
            var response: Response
            do {
                response = try await next.respond(to: request, context: &context)
            } catch {
                ended = ContinuousNanoseconds.now()
                return diagnostics.end(state, request: request, context: context, error: error,
                                       trace: span.sampledIDs, ended: ended)
            }
            ended = ContinuousNanoseconds.now()
            diagnostics.end(state, request: request, context: context, response: &response, trace: span.sampledIDs, ended: ended)
            return response
        }
        tracing.finish(span, response, ended: ended)
        return response
    }
}
