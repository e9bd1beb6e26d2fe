import Server

/// Middleware composed around a router, once, at start-up.
///
/// Routing runs first, so every middleware sees the matched route template (for labels)
/// before the handler runs. The composed links are built here once; a request walks them
/// without allocating anything for the chain itself.
///
/// When the outermost link is the fused `DiagnosticMiddleware`, whose work is all
/// synchronous, the chain runs it without an async frame of its own: the request id in
/// `startRequest`, on the loop before the request's task exists, and the registry entry
/// and the after-steps in `respond`'s frame. The behaviour is the
/// same as calling it as a link; the request saves an async frame. A route with a
/// `SynchronousHandler` is then answered in `startRequest` itself, without a task.
public struct MiddlewareChain: HTTPResponder {
    let router: Router
    /// The outermost link when it is the fused diagnostic middleware.
    let diagnostics: DiagnosticMiddleware?
    /// The links after the diagnostic middleware, down to the router.
    let rest: Next
    /// No links between the diagnostic middleware and the router: `respond` calls the
    /// matched route itself, one async frame fewer than through `rest`.
    let restIsRouter: Bool

    /// Wraps `router` in `middleware`, outermost first.
    public init(_ middleware: [any Middleware], router: Router) {
        self.router = router
        let diagnostics = middleware.first as? DiagnosticMiddleware
        self.diagnostics = diagnostics
        let links = diagnostics == nil ? middleware[...] : middleware.dropFirst()
        var next = Next(router: router)
        for link in links.reversed() {
            let inner = next
            next = Next { request, context in try await link.handle(request, context: context, next: inner) }
        }
        rest = next
        restIsRouter = links.isEmpty
    }

    public func startRequest(_ request: Request, context: inout RequestContext) -> Response? {
        let match = router.route(request, into: &context)
        context.isStarted = true
        diagnostics?.beginBeforeTask(request, &context)
        // A synchronous route behind nothing but synchronous middleware needs no task. It
        // is answered here, so the match is not stored in the context (a retain and a
        // release of the handler and the template that nothing reads).
        if restIsRouter, let handler = match.synchronousHandler {
            guard let diagnostics else { return RouteMatch.answer(request, context: context, synchronously: handler) }
            return diagnostics.answer(request, context: context, synchronously: handler)
        }
        context.routeMatch = match
        return nil
    }

    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        guard context.isStarted else { return try await respondUnstarted(request, context) }
        guard let diagnostics else { return try await rest(request, context) }
        // Registered from the request's task: `TaskRegistry.current` finds it by that task.
        let token = diagnostics.tasks.begin(context)
        var response: Response
        do {
            if restIsRouter, let match = context.routeMatch {
                response = try await match.respond(to: request, context: context)
            } else {
                response = try await rest(request, context)
            }
        } catch {
            response = diagnostics.recovery.recover(error, context)
        }
        diagnostics.finish(&response, request, context, token: token)
        return response
    }

    /// A request that did not come through `startRequest` (a direct call, as in tests):
    /// route it here and run the diagnostic middleware as a link.
    @inline(never)
    private func respondUnstarted(_ request: Request, _ context: RequestContext) async throws -> Response {
        var context = context
        router.resolve(request, into: &context)
        guard let diagnostics else { return try await rest(request, context) }
        return try await diagnostics.handle(request, context: context, next: rest)
    }
}
