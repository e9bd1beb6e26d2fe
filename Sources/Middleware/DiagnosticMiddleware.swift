import Logging
import RequestTracing
import Server
import ServerMetrics
import TaskRegistry

/// The built-in diagnostic middleware in one link: request id, access log, metrics, task
/// tracking and recovery.
///
/// It does exactly what `[RequestIDMiddleware, AccessLogMiddleware, MetricsMiddleware,
/// TaskTrackingMiddleware, RecoveryMiddleware]` does, by calling each one's steps in that
/// order, but as one `SynchronousMiddleware`: around an async route that is one async frame
/// in the request's task instead of five, and around a synchronous route no task at all.
/// Each async layer costs a frame, executor checks and a context copy per request (README,
/// "The diagnostic chain's cost").
///
/// It is a class so that holding it costs one reference, not a copy of every field.
public final class DiagnosticMiddleware: SynchronousMiddleware {
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

    /// The request's id and its registry entry, from `begin` to `end`.
    public struct State: Sendable {
        let requestID: String
        let entry: TaskTrackingMiddleware.State
    }

    /// The id, the parameter-failure counter and the registry entry. While the route runs,
    /// the entry is listed and counted in flight, and is `TaskRegistry.current` (by task, or
    /// on the loop's thread for a synchronous route, so log lines carry the id).
    public func begin(_ request: Request, context: inout RequestContext) -> State {
        begin(request, context: &context, trace: nil)
    }

    /// The same for a request whose sampled span the caller holds (`trace`): the fused
    /// tracing link (`TracedDiagnosticsMiddleware`) passes its ids to `begin` and `end`,
    /// not through the context, which would box them. Nil means none given: the links then
    /// read the context (`sampledSpan`), out of line, as they do behind a tracing link of
    /// its own. (Not kept in `State`: the state lives in the async frame across the route,
    /// and a larger frame can outgrow its allocator slab.)
    @inline(__always)
    func begin(_ request: Request, context: inout RequestContext, trace: SampledSpanIDs?) -> State {
        let id = requestID.begin(request, context: &context)
        metrics.observeParameters(&context)
        return State(requestID: id, entry: tasks.begin(context, requestID: id, trace: trace))
    }

    /// Recovery, then the entry ends, the duration is recorded, the access log line is
    /// written and the id is echoed.
    public func end(_ state: consuming State, request: Request, context: RequestContext, response: inout Response) {
        finish(&response, request, context, state, trace: nil, ended: nil)
    }

    /// The same, after recovery has turned the error into a response.
    public func end(_ state: consuming State, request: Request, context: RequestContext, error: any Error) -> Response {
        end(state, request: request, context: context, error: error, trace: nil, ended: nil)
    }

    /// `end` for a request whose sampled span the caller holds, and whose route ended at
    /// the continuous reading `ended` (nil: now).
    @inline(__always)
    func end(_ state: consuming State, request: Request, context: RequestContext, response: inout Response,
             trace: SampledSpanIDs?, ended: UInt64?) {
        finish(&response, request, context, state, trace: trace, ended: ended)
    }

    /// `end` after an error, for a request whose sampled span the caller holds.
    @inline(__always)
    func end(_ state: consuming State, request: Request, context: RequestContext, error: any Error,
             trace: SampledSpanIDs?, ended: UInt64?) -> Response {
        var response = recovery.recover(error, context, requestID: state.requestID)
        finish(&response, request, context, state, trace: trace, ended: ended)
        return response
    }

    /// The steps after recovery. Out of line, like `recover`: inlined into an async frame,
    /// their locals (a log line's metadata among them) made that frame larger than a task
    /// allocator slab, a malloc per request. The clock is read after the registry entry
    /// ends: read before it, chain-bench's synchronous chain took about 30 ns longer (the
    /// entry's first load stalled behind the clock read), its async chain no shorter.
    @inline(never)
    func finish(_ response: inout Response, _ request: Request, _ context: RequestContext, _ state: State,
                trace: SampledSpanIDs?, ended: UInt64?) {
        tasks.end(state.entry, status: response.status.code)
        let elapsed = MetricsMiddleware.elapsed(context, to: ended ?? ContinuousNanoseconds.now())
        metrics.recordDuration(request, context, status: response.status.code, nanoseconds: elapsed,
                               trace: trace ?? context.sampledSpan)
        accessLog?.finish(request, context, requestID: state.requestID, status: response.status.code,
                          bytes: response.body.count, nanoseconds: elapsed)
        requestID.echo(state.requestID, on: &response)
    }
}
