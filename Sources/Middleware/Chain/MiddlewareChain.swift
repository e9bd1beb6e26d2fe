import Server

/// Middleware composed around a router, once, at start-up.
///
/// Routing runs first, so every middleware sees the matched route template (for labels)
/// before the handler runs. The composed closures are built here once; a request walks
/// them without allocating anything for the chain itself.
public struct MiddlewareChain: HTTPResponder {
    let router: Router
    let entry: Next

    /// Wraps `router` in `middleware`, outermost first.
    public init(_ middleware: [any Middleware], router: Router) {
        self.router = router
        var next = Next { request, context in
            guard let match = context.routeMatch else {
                return try await router.respond(to: request, context: context)
            }
            return try await match.respond(to: request, context: context)
        }
        for link in middleware.reversed() {
            let inner = next
            next = Next { request, context in try await link.handle(request, context: context, next: inner) }
        }
        entry = next
    }

    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        var context = context
        router.resolve(request, into: &context)
        return try await entry(request, context)
    }
}
