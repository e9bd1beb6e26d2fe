/// Anything that answers requests: the router, or the router wrapped in middleware.
public protocol HTTPResponder: Sendable {
    func respond(to request: Request, context: RequestContext) async throws -> Response

    /// Runs on the loop thread before the request's task exists. Returns the response
    /// when the request was answered here, without a task (a route with a
    /// `SynchronousHandler`); otherwise `nil`, and `respond` then runs in the request's
    /// task with `context` as this left it.
    ///
    /// Synchronous work per request belongs here rather than in an async frame of its own:
    /// routing, assigning ids, registering the request. The default does nothing and
    /// returns `nil`.
    func startRequest(_ request: Request, context: inout RequestContext) -> Response?
}

extension HTTPResponder {
    public func startRequest(_ request: Request, context: inout RequestContext) -> Response? {
        nil
    }
}

/// A request handler. Handlers are `async throws`: a handler that never suspends answers
/// inline on its connection's loop thread; one that suspends resumes on that loop.
public typealias Handler = @Sendable (Request, RequestContext) async throws -> Response
