import RequestTracing
import Server

/// The key of the request's sampled span ids (`RequestContext.sampledSpan`).
public enum SampledSpanKey: RequestContextKey {
    /// The server span's trace and span ids, as numbers.
    public typealias Value = SampledSpanIDs
}

extension RequestContext {
    /// The ids of the request's server span when the sampler kept it: set by
    /// `TracingMiddleware` before the rest of the route runs, read by the middleware inside
    /// it (the duration's exemplar, the registry entry's trace). Nil when traces are off or
    /// the request is not sampled.
    ///
    /// The context, not a task-local: the middleware that reads the ids already holds the
    /// context, so an unsampled request finds nothing in one comparison, where a task-local
    /// lookup walked the task's bindings (about 50 ns per request, sampled or not) and a
    /// sampled request paid a second push and pop.
    @inlinable
    public var sampledSpan: SampledSpanIDs? {
        get { self[SampledSpanKey.self] }
        set { self[SampledSpanKey.self] = newValue }
    }
}
