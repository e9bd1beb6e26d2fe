import Server
import Prometheus
import Synchronization

/// The request-level metrics of the service, registered in one `PrometheusCollectorRegistry`.
///
/// Create one at start-up and share it; every method is safe to call from any thread.
///
/// | Family | Type | Labels |
/// | --- | --- | --- |
/// | `http_request_duration_seconds` | histogram | `route`, `method`, `code` |
/// | `http_requests_in_flight` | gauge | |
/// | `param_lookup_failures_total` | counter | `route`, `param`, `reason` |
/// | `http_recovered_panics_total` | counter | `route`, `error` |
///
/// `route` is always a route template (`/api/v1/order/map`) or `unmatched`, never a raw
/// path, so the number of series stays bounded by the router's table.
///
/// ``requestFinished(route:method:status:duration:shard:)`` is on every request's hot path
/// (about 85 ns in release on this machine). It finds its series in a per-shard cache (one
/// uncontended lock per event loop) rather than asking the registry, whose lookup validates
/// names, hashes the label array and takes the registry-wide lock; and the histogram itself
/// is lock-free per shard (see `DurationHistogramFamily`) rather than a registry
/// `Histogram`, whose `record` takes a lock and alone costs about 90 ns.
///
/// The in-flight gauge is one atomic per shard for the same reason: one shared atomic
/// bounces its cache line between cores on every request.
///
/// The counters are ordinary registry metrics. The histogram and the gauge are attached to
/// the registry and rendered by ``MetricsExposition``; `registry.emit(into:)` on its own
/// does not include them.
public final class HTTPMetrics: Sendable {
    /// The upper bounds of `http_request_duration_seconds`, from 100 µs to 10 s: the service
    /// answers in microseconds, so the interesting buckets start below a millisecond.
    public static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .microseconds(2500), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    let registry: PrometheusCollectorRegistry
    let shards: [Shard]
    let durations: DurationHistogramFamily
    /// The failure counters. One lock for all of them is fine: they count errors, which are
    /// rare next to requests, and the lock is held only for a dictionary lookup.
    let counters = Mutex(CounterCache())
    let inFlightSources = Mutex<[ObjectIdentifier: @Sendable () -> Int]>([:])

    /// Registers the metrics in `registry`.
    ///
    /// - Parameters:
    ///   - registry: The registry that `/metrics` renders.
    ///   - shardCount: How many histogram caches to keep: pass the number of event loops
    ///     and give each request its loop's index as `shard`, so that no two loops share
    ///     a cache lock.
    public init(registry: PrometheusCollectorRegistry, shardCount: Int = 1) {
        precondition(shardCount >= 1, "shardCount must be at least 1")
        self.registry = registry
        self.shards = (0..<shardCount).map { _ in Shard() }
        self.durations = DurationHistogramFamily(buckets: Self.durationBuckets, shardCount: shardCount)
    }

    /// Counts a request as in flight. Pair every call with one call to
    /// ``requestFinished(route:method:status:duration:shard:)``.
    ///
    /// - Parameter shard: The caller's event loop index, as for `requestFinished`. The two
    ///   calls of one request may pass different shards; the gauge is their sum.
    public func requestStarted(shard: Int = 0) {
        shards[shardIndex(shard)].inFlight.add(1, ordering: .relaxed)
    }

    /// Ends a request started with ``requestStarted()``: records its duration in
    /// `http_request_duration_seconds` and takes it out of `http_requests_in_flight`.
    ///
    /// - Parameters:
    ///   - route: The route template that matched, or `unmatched`. Never a raw path.
    ///   - method: The request method (`GET`). Methods outside the standard set are
    ///     recorded as `OTHER`.
    ///   - status: The response status code.
    ///   - duration: From the request's arrival to its response.
    ///   - shard: The caller's event loop index (`0..<shardCount`); other values are folded
    ///     into that range, which stays correct but makes loops share cells and a lock.
    public func requestFinished(route: String, method: String, status: Int, duration: Duration, shard: Int = 0) {
        requestFinished(route: route, method: method, status: status,
                        nanoseconds: DurationHistogramFamily.nanoseconds(duration), shard: shard)
    }

    /// The same, for a duration in nanoseconds (the middleware's own path: no `Duration` math).
    package func requestFinished(route: String, method: String, status: Int, nanoseconds: Int64, shard: Int,
                                 exemplar: HistogramExemplar.Trace? = nil) {
        shards[shardIndex(shard)].inFlight.subtract(1, ordering: .relaxed)
        recordDuration(route: route, method: method, status: status, nanoseconds: nanoseconds, shard: shard, exemplar: exemplar)
    }

    /// Records a request's duration without touching `http_requests_in_flight`, for a
    /// caller whose requests are counted by a source given to ``countInFlight(from:)``.
    public func recordDuration(route: String, method: String, status: Int, duration: Duration, shard: Int = 0) {
        recordDuration(route: route, method: method, status: status,
                       nanoseconds: DurationHistogramFamily.nanoseconds(duration), shard: shard)
    }

    /// The same, for a duration in nanoseconds (not negative; the chain's own path: no
    /// `Duration` math).
    package func recordDuration(route: String, method: String, status: Int, nanoseconds: Int64, shard: Int,
                                exemplar: HistogramExemplar.Trace? = nil) {
        let index = shardIndex(shard)
        durations.record(nanoseconds: nanoseconds, in: cells(route: route, method: method, status: status, shard: index),
                         exemplar: exemplar)
    }

    /// Adds `source` to `http_requests_in_flight`, read at each scrape: for requests that
    /// some other part already counts (the task registry's live request entries), so the
    /// hot path does not count them twice. One source per `key`: a second chain over the
    /// same registry must not count its requests again.
    public func countInFlight(key: ObjectIdentifier, from source: @escaping @Sendable () -> Int) {
        inFlightSources.withLock { $0[key] = source }
    }

    /// Counts a failed safe-parameter lookup in `param_lookup_failures_total`.
    ///
    /// - Parameters:
    ///   - route: The route template of the request.
    ///   - param: The parameter's name as the handler asked for it.
    ///   - reason: Whether it was missing or did not parse.
    public func paramLookupFailed(route: String, param: String, reason: ParameterFailureReason) {
        let key = CounterCache.ParamKey(route: route, param: param, reason: reason)
        if let counter = counters.withLock({ $0.params[key] }) {
            counter.increment()
            return
        }
        let counter = registry.makeCounter(
            descriptor: Descriptors.paramFailures,
            labels: [("route", route), ("param", param), ("reason", reason.description)]
        )
        counters.withLock { $0.params[key] = counter }
        counter.increment()
    }

    /// Counts an error that escaped a handler and was turned into a 500, in
    /// `http_recovered_panics_total`.
    ///
    /// - Parameters:
    ///   - route: The route template of the request.
    ///   - errorType: The Swift type name of the error (`String(describing: type(of: error))`).
    public func recoveredPanic(route: String, errorType: String) {
        let key = CounterCache.PanicKey(route: route, errorType: errorType)
        if let counter = counters.withLock({ $0.panics[key] }) {
            counter.increment()
            return
        }
        let counter = registry.makeCounter(
            descriptor: Descriptors.recoveredPanics,
            labels: [("route", route), ("error", errorType)]
        )
        counters.withLock { $0.panics[key] = counter }
        counter.increment()
    }
}
