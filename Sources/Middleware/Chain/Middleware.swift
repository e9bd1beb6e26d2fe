import Server

/// One link of the diagnostic chain: given the request, its context and the rest of the
/// chain, it returns a response (or throws).
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
