import Server

/// One link of the diagnostic chain: given the request, its context and the rest of the
/// chain, it returns a response.
///
/// The chain is composed once at start-up (`MiddlewareChain`); this server runs
/// the router directly, and the middleware issue fills in the built-ins (request id,
/// access log, task tracking, latency histograms, recovery, safe parameters).
public protocol Middleware: Sendable {
    func handle(_ request: Request, context: RequestContext, next: Next) async throws -> Response
}

/// The rest of the chain after a middleware.
public struct Next: Sendable {
    let run: @Sendable (Request, RequestContext) async throws -> Response

    public init(_ run: @escaping @Sendable (Request, RequestContext) async throws -> Response) {
        self.run = run
    }

    public func callAsFunction(_ request: Request, _ context: RequestContext) async throws -> Response {
        try await run(request, context)
    }
}

/// Middleware composed around a responder, once, at start-up.
public struct MiddlewareChain: HTTPResponder {
    let entry: Next

    public init(_ middleware: [any Middleware], around responder: some HTTPResponder) {
        var next = Next { request, context in try await responder.respond(to: request, context: context) }
        for link in middleware.reversed() {
            let inner = next
            next = Next { request, context in try await link.handle(request, context: context, next: inner) }
        }
        entry = next
    }

    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        try await entry(request, context)
    }
}
