import Server

/// Registers every request (and HTTP/2 stream) in the task registry for as long as it runs,
/// labelled with its route, request id and, for HTTP/2, stream id, and makes it the parent
/// of any child the handler spawns.
public struct TaskTrackingMiddleware: Middleware {
    let registry: TaskRegistry

    public init(registry: TaskRegistry) {
        self.registry = registry
    }

    public func handle(_ request: Request, context: RequestContext, next: Next) async throws -> Response {
        // Registered from the request's own task, the entry is its `TaskRegistry.current`.
        let token = begin(context)
        defer { registry.end(token) }
        return try await next(request, context)
    }

    /// Registers the request; end the returned token when it finishes. Out of line, so that
    /// its locals stay out of the caller's async frame.
    @inline(never)
    func begin(_ context: RequestContext) -> TaskToken {
        registry.registerRequest(route: context.route, requestID: context.requestID, streamID: context.streamID, site: TaskSite(),
                                 task: withUnsafeCurrentTask { $0.map(TaskIdentity.init) }, loop: context.loopIndex)
    }

    /// Registers a request that runs without a task (a synchronous route).
    @inline(never)
    func begin(_ context: RequestContext, inTask: Bool) -> TaskToken {
        guard !inTask else { return begin(context) }
        return registry.registerRequest(route: context.route, requestID: context.requestID, streamID: context.streamID,
                                        site: TaskSite(), task: nil, loop: context.loopIndex)
    }
}
