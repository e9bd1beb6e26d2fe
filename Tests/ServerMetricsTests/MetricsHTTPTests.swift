import Server
@testable import ServerMetrics
import Prometheus
import Testing

@Suite("HTTPMetrics")
struct MetricsHTTPTests {
    static let labels = #"route="/api/v1/order/map",method="GET",code="200""#

    @Test("durations land in cumulative buckets with _sum and _count")
    func histogramBuckets() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry, shardCount: 2)
        // Exactly on a bound counts in that bucket (le is "less than or equal").
        let durations: [Duration] = [.microseconds(50), .microseconds(100), .microseconds(300), .milliseconds(3), .seconds(20)]
        for (index, duration) in durations.enumerated() {
            metrics.requestStarted()
            metrics.requestFinished(route: "/api/v1/order/map", method: "GET", status: 200, duration: duration, shard: index % 2)
        }
        let rendered = RenderedMetrics(registry: registry, metrics: metrics)
        let expected: [(le: String, count: String)] = [
            ("0.0001", "2"), ("0.00025", "2"), ("0.0005", "3"), ("0.001", "3"), ("0.0025", "3"),
            ("0.005", "4"), ("0.01", "4"), ("0.025", "4"), ("0.05", "4"), ("0.1", "4"), ("0.25", "4"),
            ("0.5", "4"), ("1", "4"), ("2.5", "4"), ("5", "4"), ("10", "4"), ("+Inf", "5"),
        ]
        for bucket in expected {
            #expect(rendered.value(#"http_request_duration_seconds_bucket{\#(Self.labels),le="\#(bucket.le)"}"#) == bucket.count,
                    "le=\(bucket.le)")
        }
        #expect(rendered.value("http_request_duration_seconds_count{\(Self.labels)}") == "5")
        #expect(rendered.value("http_request_duration_seconds_sum{\(Self.labels)}") == "20.00345")
    }

    @Test("each route, method and code is its own series; odd methods and codes are folded")
    func labelSets() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry)
        let calls: [(route: String, method: String, status: Int)] = [
            ("/api/v1/order/map", "GET", 200), ("/api/v1/order/map", "GET", 200),
            ("/api/v1/order/map", "POST", 200), ("/api/v1/order/map", "GET", 500),
            ("/api/v1/user/fetch", "GET", 200), ("unmatched", "GET", 404),
            ("unmatched", "BREW", 404), ("unmatched", "WHEN", 404), ("unmatched", "GET", 9999),
        ]
        for call in calls {
            metrics.requestStarted()
            metrics.requestFinished(route: call.route, method: call.method, status: call.status, duration: .microseconds(5))
        }
        let rendered = RenderedMetrics(registry: registry, metrics: metrics)
        let counts: [(labels: String, count: String)] = [
            (#"route="/api/v1/order/map",method="GET",code="200""#, "2"),
            (#"route="/api/v1/order/map",method="POST",code="200""#, "1"),
            (#"route="/api/v1/order/map",method="GET",code="500""#, "1"),
            (#"route="/api/v1/user/fetch",method="GET",code="200""#, "1"),
            (#"route="unmatched",method="GET",code="404""#, "1"),
            (#"route="unmatched",method="OTHER",code="404""#, "2"),
            (#"route="unmatched",method="GET",code="invalid""#, "1"),
        ]
        for expected in counts {
            #expect(rendered.value("http_request_duration_seconds_count{\(expected.labels)}") == expected.count, "\(expected.labels)")
        }
        let series = rendered.lines.filter { $0.hasPrefix("http_request_duration_seconds_count{") }
        #expect(series.count == counts.count)
    }

    @Test("the in-flight gauge goes up at start and down at finish, across shards")
    func inFlight() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry, shardCount: 4)
        #expect(RenderedMetrics(registry: registry, metrics: metrics).value("http_requests_in_flight") == "0")
        for shard in 0..<3 { metrics.requestStarted(shard: shard) }
        #expect(RenderedMetrics(registry: registry, metrics: metrics).value("http_requests_in_flight") == "3")
        // Finishing on another shard than the start still balances: the gauge is the sum.
        metrics.requestFinished(route: "/r", method: "GET", status: 200, duration: .zero, shard: 3)
        metrics.requestFinished(route: "/r", method: "GET", status: 200, duration: .zero, shard: 7)
        #expect(RenderedMetrics(registry: registry, metrics: metrics).value("http_requests_in_flight") == "1")
        metrics.requestFinished(route: "/r", method: "GET", status: 200, duration: .zero, shard: -1)
        #expect(RenderedMetrics(registry: registry, metrics: metrics).value("http_requests_in_flight") == "0")
    }

    @Test("parameter failures and recovered panics are counted by their labels")
    func failureCounters() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry)
        metrics.paramLookupFailed(route: "/api/v1/order/map", param: "id", reason: .missing)
        metrics.paramLookupFailed(route: "/api/v1/order/map", param: "id", reason: .missing)
        metrics.paramLookupFailed(route: "/api/v1/order/map", param: "id", reason: .invalid)
        metrics.paramLookupFailed(route: "/api/v1/user/fetch", param: "user", reason: .missing)
        metrics.recoveredPanic(route: "/api/v1/order/map", errorType: "LookupError")
        metrics.recoveredPanic(route: "/api/v1/order/map", errorType: "LookupError")
        metrics.recoveredPanic(route: "/api/v1/user/fetch", errorType: "DecodingError")

        let rendered = RenderedMetrics(registry: registry, metrics: metrics)
        let expected: [(series: String, value: String)] = [
            (#"param_lookup_failures_total{route="/api/v1/order/map",param="id",reason="missing"}"#, "2"),
            (#"param_lookup_failures_total{route="/api/v1/order/map",param="id",reason="invalid"}"#, "1"),
            (#"param_lookup_failures_total{route="/api/v1/user/fetch",param="user",reason="missing"}"#, "1"),
            (#"http_recovered_panics_total{route="/api/v1/order/map",error="LookupError"}"#, "2"),
            (#"http_recovered_panics_total{route="/api/v1/user/fetch",error="DecodingError"}"#, "1"),
        ]
        for sample in expected {
            #expect(rendered.value(sample.series) == sample.value, "\(sample.series)")
        }
    }

    @Test("many tasks recording at once give exact totals")
    func concurrentRecording() async {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry, shardCount: 4)
        let tasks = 16
        let perTask = 2_000
        let routes = ["/api/v1/order/map", "/api/v1/user/fetch"]
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for index in 0..<perTask {
                        metrics.requestStarted(shard: task)
                        metrics.requestFinished(route: routes[index % 2], method: "GET", status: 200,
                                                duration: .microseconds(200), shard: task % 3)
                        if index % 10 == 0 {
                            metrics.paramLookupFailed(route: routes[0], param: "id", reason: .missing)
                            metrics.recoveredPanic(route: routes[1], errorType: "LookupError")
                        }
                    }
                }
            }
        }
        let rendered = RenderedMetrics(registry: registry, metrics: metrics)
        let perRoute = String(tasks * perTask / 2)
        for route in routes {
            let labels = #"route="\#(route)",method="GET",code="200""#
            #expect(rendered.value("http_request_duration_seconds_count{\(labels)}") == perRoute)
            #expect(rendered.value(#"http_request_duration_seconds_bucket{\#(labels),le="0.00025"}"#) == perRoute)
            #expect(rendered.value(#"http_request_duration_seconds_bucket{\#(labels),le="0.0001"}"#) == "0")
        }
        #expect(rendered.value("http_requests_in_flight") == "0")
        let failures = String(tasks * perTask / 10)
        #expect(rendered.value(#"param_lookup_failures_total{route="/api/v1/order/map",param="id",reason="missing"}"#) == failures)
        #expect(rendered.value(#"http_recovered_panics_total{route="/api/v1/user/fetch",error="LookupError"}"#) == failures)
    }
}

/// Durations become whole nanoseconds for the buckets and the sum: through 64-bit
/// arithmetic below about 9.2 s, through `components` above it.
struct DurationNanosecondsTests {
    @Test(arguments: [
        (Duration.zero, Int64(0)),
        (.nanoseconds(1), 1),
        (.microseconds(250), 250_000),
        (.milliseconds(1500), 1_500_000_000),
        (.seconds(9), 9_000_000_000),
        (.seconds(9.5), 9_500_000_000),
        (.seconds(3600), 3_600_000_000_000),
        (.nanoseconds(-5), 0),
        (.seconds(-20), 0),
    ])
    func wholeNanoseconds(duration: Duration, expected: Int64) {
        #expect(DurationHistogramFamily.nanoseconds(duration) == expected)
    }
}
