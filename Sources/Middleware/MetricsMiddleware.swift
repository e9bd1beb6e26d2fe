import RequestTracing
import Server
import Tracing
import W3CTraceContext
import ServerMetrics
import TaskRegistry

/// Records every request in `http_request_duration_seconds{route,method,code}` and
/// `http_requests_in_flight`, and routes safe-parameter failures to
/// `param_lookup_failures_total`.
///
/// The duration runs from the moment the server finished parsing the request
/// (`RequestContext.receivedAt`) to the moment this middleware has the response, which the
/// server writes right after.
public struct MetricsMiddleware: SynchronousMiddleware {
    let metrics: HTTPMetrics
    /// Counts failed parameter lookups in `param_lookup_failures_total{route,param,reason}`.
    let observer: ParameterFailureObserver

    public init(metrics: HTTPMetrics) {
        self.metrics = metrics
        self.observer = ParameterFailureObserver { route, parameter, reason in
            metrics.paramLookupFailed(route: route, param: parameter, reason: reason)
        }
    }

    public func begin(_ request: Request, context: inout RequestContext) {
        metrics.requestStarted(shard: context.loopIndex)
        observeParameters(&context)
    }

    public func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {
        finish(request, context, status: response.status.code)
    }

    public func end(_ state: Void, request: Request, context: RequestContext, error: any Error) throws -> Response {
        finish(request, context, status: (error as? HTTPError)?.status.code ?? 500)
        throw error
    }

    /// Routes parameter failures to the counter.
    func observeParameters(_ context: inout RequestContext) {
        context[ParameterFailureObserverKey.self] = observer
    }

    /// Records the duration only, for a request the registry counts in flight; its sampled
    /// span (`trace`) is the exemplar.
    func recordDuration(_ request: Request, _ context: RequestContext, status: Int, nanoseconds: Int64,
                        trace: SampledSpanIDs?) {
        metrics.recordDuration(route: context.route, method: request.method.rawValue, status: status,
                               nanoseconds: nanoseconds, shard: context.loopIndex, exemplar: Self.exemplar(trace))
    }

    /// Records the duration and leaves the in-flight count.
    func finish(_ request: Request, _ context: RequestContext, status: Int) {
        metrics.requestFinished(route: context.route, method: request.method.rawValue, status: status,
                                nanoseconds: Self.elapsed(context), shard: context.loopIndex, exemplar: Self.exemplar(context))
    }

    /// The request's sampled span, as its duration's exemplar: nil when traces are off or
    /// the request is not sampled.
    @inline(__always)
    static func exemplar(_ context: RequestContext) -> HistogramExemplar.Trace? {
        exemplar(context.sampledSpan)
    }

    /// A sampled span's ids as an exemplar.
    @inline(__always)
    static func exemplar(_ ids: SampledSpanIDs?) -> HistogramExemplar.Trace? {
        guard let ids else { return nil }
        return HistogramExemplar.Trace(traceHigh: ids.traceHigh, traceLow: ids.traceLow, span: ids.span)
    }

    /// Nanoseconds since the request was received.
    @inline(__always)
    static func elapsed(_ context: RequestContext) -> Int64 {
        elapsed(context, to: ContinuousNanoseconds.now())
    }

    /// Nanoseconds from the request's receipt to the continuous reading `end`.
    @inline(__always)
    static func elapsed(_ context: RequestContext, to end: UInt64) -> Int64 {
        Int64(clamping: ContinuousNanoseconds.elapsed(from: context.receivedNanoseconds, to: end))
    }
}
