import Logging
import Server

/// The built-in diagnostic middleware, fused into one link.
///
/// It does exactly what the chain `[RequestID, AccessLog, Metrics, TaskTracking, Recovery]`
/// does, by calling each one's before and after steps, but in one place instead of five
/// async frames. All of its work is synchronous, before and after the rest of the chain,
/// so a `MiddlewareChain` whose outermost link it is runs it without an async frame of its
/// own: the id and the in-flight count when the request starts on its loop, before its
/// task exists, and the registry entry and `finish` in the chain's frame. The entry is
/// registered from the request's task, which is how `TaskRegistry.current` finds it. Each
/// async layer costs a frame, executor checks and a context copy per request (README,
/// "The diagnostic chain's cost").
/// It is a class so that holding it costs one reference, not a copy of every field.
public final class DiagnosticMiddleware: Middleware {
    let requestID = RequestIDMiddleware()
    let accessLog: AccessLogMiddleware?
    let metrics: MetricsMiddleware
    let tasks: TaskTrackingMiddleware
    let recovery: RecoveryMiddleware

    /// - Parameter accessLog: the access log, or `nil` for none.
    public init(metrics: HTTPMetrics, registry: TaskRegistry, logger: Logger, accessLog: AccessLogMiddleware?) {
        self.accessLog = accessLog
        self.metrics = MetricsMiddleware(metrics: metrics)
        self.tasks = TaskTrackingMiddleware(registry: registry)
        self.recovery = RecoveryMiddleware(logger: logger) { route, errorType in
            metrics.recoveredPanic(route: route, errorType: errorType)
        }
        // Every request in flight has a live registry entry: the gauge reads their count at
        // scrape time instead of two atomics per request.
        metrics.countInFlight(key: ObjectIdentifier(registry)) { [tasks] in tasks.registry.liveRequestCount }
    }

    public func handle(_ request: Request, context: RequestContext, next: Next) async throws -> Response {
        var context = context
        beginBeforeTask(request, &context)
        let token = tasks.begin(context)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = recovery.recover(error, context)
        }
        finish(&response, request, context, token: token)
        return response
    }

    /// Answers a request whose route is synchronous, with every step of the middleware and
    /// no task. The entry is listed and counted in flight while the handler runs, and is
    /// `TaskRegistry.current` on the loop's thread meanwhile (so log lines carry the id).
    func answer(_ request: Request, context: RequestContext, synchronously handler: SynchronousHandler) -> Response {
        let token = tasks.begin(context, inTask: false)
        var response: Response
        do {
            response = try TaskRegistry.withSynchronousRequest(token) { try handler(request, context) }
        } catch {
            response = recovery.recover(error, context)
        }
        finish(&response, request, context, token: token)
        return response
    }

    /// The steps before the rest of the chain that need no task: the request id and the
    /// parameter-failure counter.
    func beginBeforeTask(_ request: Request, _ context: inout RequestContext) {
        requestID.begin(request, &context)
        metrics.observeParameters(&context)
    }

    /// The steps after it: the entry ends, the duration is recorded, the access log line is
    /// written and the id is echoed. Out of line, like `recover`: inlined into the chain's
    /// async frame, their locals (a log line's metadata among them) made that frame larger
    /// than a task allocator slab, a malloc per request.
    @inline(never)
    func finish(_ response: inout Response, _ request: Request, _ context: RequestContext, token: TaskToken) {
        tasks.registry.end(token)
        metrics.recordDuration(request, context, status: response.status.code)
        accessLog?.finish(request, context, status: response.status.code, bytes: response.body.count)
        requestID.finish(&response, context)
    }
}
