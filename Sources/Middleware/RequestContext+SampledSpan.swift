import RequestTracing
import Server

/// The key of the request's sampled span ids (`RequestContext.sampledSpan`).
package enum SampledSpanKey: RequestContextKey {
    /// The server span's trace and span ids, as numbers.
    package typealias Value = SampledSpanIDs
}

extension RequestContext {
    /// The ids of the request's server span when the sampler kept it, for the diagnostic
    /// links when `TracingMiddleware` runs as a link of its own: it sets them before the
    /// rest of the route runs, and the links inside read them (the duration's exemplar, the
    /// registry entry's trace). Nil when traces are off or the request is not sampled.
    ///
    /// The fused link (`TracedDiagnosticsMiddleware`, what `orders` runs) hands the ids to
    /// the diagnostic link as an argument instead and leaves this unset: a value beyond the
    /// context's two inline slots costs a box and an array per request. So it is not public;
    /// a route reads its span through swift-distributed-tracing (`InstrumentationContext.current`)
    /// or `RequestTracer.currentSampledIDs`.
    ///
    /// The context, not a task-local: the middleware that reads the ids already holds the
    /// context, so an unsampled request finds nothing in one comparison, where a task-local
    /// lookup walked the task's bindings (about 50 ns per request, sampled or not) and a
    /// sampled request paid a second push and pop.
    package var sampledSpan: SampledSpanIDs? {
        get { self[SampledSpanKey.self] }
        set { self[SampledSpanKey.self] = newValue }
    }
}
