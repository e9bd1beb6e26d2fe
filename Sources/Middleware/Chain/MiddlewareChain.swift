import Server

/// Middleware composed around a router, once, at start-up.
///
/// Routing runs first, so every middleware sees the matched route template (for labels)
/// before the handler runs. The composed links are built here once; a request walks them
/// without allocating anything for the chain itself, and the outermost link is called
/// directly.
public struct MiddlewareChain: HTTPResponder {
    let router: Router
    /// The outermost link and the rest of the chain after it; `nil` for no middleware.
    let entry: (link: any Middleware, next: Next)?

    /// Wraps `router` in `middleware`, outermost first.
    public init(_ middleware: [any Middleware], router: Router) {
        self.router = router
        var next = Next(router: router)
        for link in middleware.dropFirst().reversed() {
            let inner = next
            next = Next { request, context in try await link.handle(request, context: context, next: inner) }
        }
        entry = middleware.first.map { ($0, next) }
    }

    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        var context = context
        router.resolve(request, into: &context)
        guard let entry else { return try await Next(router: router)(request, context) }
        return try await entry.link.handle(request, context: context, next: entry.next)
    }
}
