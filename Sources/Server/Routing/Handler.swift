/// A handler that cannot suspend, answered on the loop thread before any task exists.
///
/// An `async` handler costs a Swift task per request (its allocation, its frames, the
/// executor's bookkeeping) even when it never suspends. Code that only computes its answer
/// (a health check, a fixed body, a lookup in memory) can say so, and the request is then
/// answered by a plain function call:
///
/// ```swift
/// router.get("/plaintext", SynchronousHandler { _, _ in
///     Response(contentType: .plainText, body: ResponseBody(literal: "Hello, World!"))
/// })
/// ```
///
/// What differs from an `async` handler that happens not to suspend:
/// - there is no current task: `Task.isCancelled` is `false` and task-locals read their
///   defaults. Behind `DiagnosticMiddleware` the request still has its registry entry, which
///   is `TaskRegistry.current` on the loop's thread while the handler runs (so log lines
///   carry the request id); children it `spawn`s record it as their parent;
/// - it runs on the connection's loop thread even under `HandlerDispatch.globalExecutor`,
///   so it must not block: a slow handler stalls every connection on its loop;
/// - it is answered without a task only behind `SynchronousMiddleware`. Any other
///   middleware on its route (one that implements `Middleware.handle`) gives the request a
///   task, and the handler is called from it.
///
/// It is a struct, not a closure type, so that a trailing closure never picks it by
/// accident: every synchronous route is marked as such where it is registered.
public struct SynchronousHandler: Sendable {
    let body: @Sendable (Request, RequestContext) throws -> Response

    public init(_ body: @escaping @Sendable (Request, RequestContext) throws -> Response) {
        self.body = body
    }

    /// Runs the handler.
    public func callAsFunction(_ request: Request, _ context: RequestContext) throws -> Response {
        try body(request, context)
    }
}

/// A request handler. Handlers are `async throws`: a handler that never suspends answers
/// inline on its connection's loop thread; one that suspends resumes on that loop.
public typealias Handler = @Sendable (Request, RequestContext) async throws -> Response
