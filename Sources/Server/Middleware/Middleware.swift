/// A link around a route's handler: authentication, rate limiting, tracing, metrics.
///
/// A middleware has one entry point. An ordinary middleware implements `handle`, which runs
/// in the request's task and may suspend:
///
/// ```swift
/// struct RequireAPIKey: Middleware {
///     let keys: KeyStore
///     func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
///         guard let key = request.headers.first("X-API-Key"), await keys.isValid(key) else {
///             throw HTTPError(.unauthorized, code: "unauthorized", message: "A valid X-API-Key is required")
///         }
///         return try await next.respond(to: request, context: context)
///     }
/// }
/// ```
///
/// A middleware whose work never suspends conforms to `SynchronousMiddleware` instead and
/// implements its `begin` and `end` pair; behind such middleware only, a synchronous handler
/// is answered without a task.
///
/// Middleware is composed once per route, when the router is built: the router's own
/// middleware outermost, then each group's, then the route's. It sees the matched route
/// template and parameters in the context, since routing runs first.
public protocol Middleware: Sendable {
    /// Answers the request, calling `next` (the rest of the route) or not.
    func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response

    /// This middleware around `next`, built once per route. The default calls `handle` from
    /// the request's task; `SynchronousMiddleware` provides one that fuses with a
    /// synchronous `next`. Implement it only to compose in some other way.
    func compose(around next: Responder) -> Responder
}

extension Middleware {
    public func compose(around next: Responder) -> Responder {
        Responder { request, context in
            try await self.handle(request, context: context, next: next)
        }
    }
}

extension Responder {
    /// `self` wrapped in `middleware`, outermost first.
    public func wrapped(in middleware: [any Middleware]) -> Responder {
        middleware.reversed().reduce(self) { next, link in link.compose(around: next) }
    }
}
