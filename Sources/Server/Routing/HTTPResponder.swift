/// Anything that answers requests: the router, or the router wrapped in middleware.
public protocol HTTPResponder: Sendable {
    func respond(to request: Request, context: RequestContext) async throws -> Response

    /// Runs on the loop thread before the request's task exists, and must call `start`
    /// exactly once, with the context the task should run with (`context` itself, changed
    /// in place, so that it is not copied).
    ///
    /// Synchronous work per request belongs here rather than in an async frame of its own:
    /// routing, assigning ids, registering the request. Task-local values bound around
    /// `start` (`TaskLocal.withValue`) are inherited by the task, which then needs no
    /// async `withValue` scope of its own. The default calls `start(context)`.
    func startRequest(_ request: Request, context: inout RequestContext, start: (RequestContext) -> Void)
}

extension HTTPResponder {
    public func startRequest(_ request: Request, context: inout RequestContext, start: (RequestContext) -> Void) {
        start(context)
    }
}

/// A request handler. Handlers are `async throws`: a handler that never suspends answers
/// inline on its connection's loop thread; one that suspends resumes on that loop.
public typealias Handler = @Sendable (Request, RequestContext) async throws -> Response
