import RequestTracing
import Server
import ServerMetrics
import TaskRegistry

/// Registers every request (and HTTP/2 stream) in the task registry for as long as it runs,
/// labelled with its route, request id and, for HTTP/2, stream id, and makes it the parent
/// of any child the handler spawns. Children still alive when it ends become orphans.
///
/// In the request's task the entry is found by that task (`TaskRegistry.current`); for a
/// request answered without a task it is the loop thread's current entry until `end`. The
/// entry is also published to the loop (`EventLoop.publishRunningRequest`), so that a stall
/// names the request that caused it.
public struct TaskTrackingMiddleware: SynchronousMiddleware {
    let registry: TaskRegistry

    public init(registry: TaskRegistry) {
        self.registry = registry
    }

    /// The request's entry, and the thread's entry to restore when it ran without a task.
    public struct State: Sendable {
        let token: TaskToken
        let slot: SynchronousRequestSlot?
    }

    public func begin(_ request: Request, context: inout RequestContext) -> State {
        // lookup-lint: allow — without RequestIDMiddleware before this link the request has no id: request_id=""
        begin(context, requestID: context[RequestIDKey.self] ?? "", trace: nil)
    }

    public func end(_ state: consuming State, request: Request, context: RequestContext, response: inout Response) {
        end(state, status: response.status.code)
    }

    /// The error's response is not known here (a later link turns it into one), so children
    /// still alive become orphans of a request with status 0.
    public func end(_ state: consuming State, request: Request, context: RequestContext, error: any Error) throws -> Response {
        end(state, status: 0)
        throw error
    }

    /// Registers the request, with `trace` as its sampled span (nil: the context's, if
    /// any). Out of line, so that its locals stay out of the caller's async frame.
    @inline(never)
    func begin(_ context: RequestContext, requestID: String, trace: SampledSpanIDs?) -> State {
        let task = context.runsInTask ? withUnsafeCurrentTask { $0.map(TaskIdentity.init) } : nil
        let token = registry.registerRequest(route: context.route, requestID: requestID, streamID: context.streamID,
                                             site: TaskSite(), task: task, loop: context.loopIndex,
                                             traceID: Self.traceID(trace ?? context.sampledSpan))
        // The loop's watchdog names this request if the loop stalls while running it.
        EventLoop.publishRunningRequest(token.runningTag)
        return State(token: token, slot: task == nil ? TaskRegistry.enterSynchronousRequest(token) : nil)
    }

    /// The request's trace, when it is sampled: nil-free numbers, so that no hex string is
    /// made per request (the registry writes it when read).
    @inline(__always)
    static func traceID(_ ids: SampledSpanIDs?) -> TaskTraceID {
        guard let ids else { return .none }
        return TaskTraceID(high: ids.traceHigh, low: ids.traceLow)
    }

    /// Ends the entry, and gives the thread back its earlier current entry. Children still
    /// alive become orphans that remember `status`.
    func end(_ state: State, status: Int) {
        if let slot = state.slot { TaskRegistry.leaveSynchronousRequest(slot) }
        registry.end(state.token, status: UInt16(clamping: status))
    }
}
