import Server

/// One link of the diagnostic chain: given the request, its context and the rest of the
/// chain, it returns a response (or throws).
public protocol Middleware: Sendable {
    func handle(_ request: Request, context: RequestContext, next: Next) async throws -> Response
}

/// The rest of the chain after a middleware.
///
/// The end of a chain is the router itself, called directly rather than through a closure:
/// every async layer costs a frame and an executor check per request.
public struct Next: Sendable {
    private enum Storage: Sendable {
        case closure(@Sendable (Request, RequestContext) async throws -> Response)
        case router(Router)
    }

    private let storage: Storage

    public init(_ run: @escaping @Sendable (Request, RequestContext) async throws -> Response) {
        storage = .closure(run)
    }

    /// The end of a chain: the handler of the route already matched into the context
    /// (`RequestContext.routeMatch`), or, when nothing matched it, `router`.
    init(router: Router) {
        storage = .router(router)
    }

    @inline(never)
    public func callAsFunction(_ request: Request, _ context: RequestContext) async throws -> Response {
        switch storage {
        case .closure(let run):
            return try await run(request, context)
        case .router:
            // The match, not the router, in the common case: binding the router would copy it.
            if let match = context.routeMatch { return try await match.respond(to: request, context: context) }
            guard case .router(let router) = storage else { preconditionFailure("unreachable") }
            return try await router.respond(to: request, context: context)
        }
    }
}
