import Server

/// Says `Cache-Control: no-store` on every response that does not set `Cache-Control`
/// itself: for listeners whose every answer is a snapshot of the process (metrics, task
/// dumps, switches), which no cache should keep or serve again.
public struct NoStoreMiddleware: SynchronousMiddleware {
    /// A middleware that marks responses `no-store`.
    public init() {}

    /// Nothing to do before the route.
    public func begin(_ request: Request, context: inout RequestContext) {}

    /// Adds `Cache-Control: no-store` unless the route chose its own `Cache-Control`.
    public func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {
        if response.headers.first("Cache-Control") == nil {
            response.headers.add(name: "Cache-Control", value: "no-store")
        }
    }

    /// Errors are marked by `HTTPError.response`, so an error passes on unchanged.
    public func end(_ state: Void, request: Request, context: RequestContext, error: any Error) throws -> Response {
        throw error
    }
}
