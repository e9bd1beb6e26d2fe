/// Anything that answers requests: the router, or the router wrapped in middleware.
public protocol HTTPResponder: Sendable {
    func respond(to request: Request, context: RequestContext) async throws -> Response
}

/// A request handler. Handlers are `async throws`: a handler that never suspends answers
/// inline on its connection's loop thread; one that suspends resumes on that loop.
public typealias Handler = @Sendable (Request, RequestContext) async throws -> Response
