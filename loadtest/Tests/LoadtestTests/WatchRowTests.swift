import LoadTest
import Testing

@Suite struct WatchRowTests {
    static func buckets(_ pairs: [(Double, Double)]) -> [WatchSample.Bucket] {
        pairs.map { WatchSample.Bucket(upperBound: $0.0, count: $0.1) }
    }

    @Test func reportsTheFastestGrowingGroupAndRates() {
        let a = TaskGroupKey(site: "A.swift:1", name: "a")
        let b = TaskGroupKey(site: "B.swift:2", name: "b")
        let previous = WatchSample(time: 1, totalTasks: 1000, groups: [a: 1000, b: 10], serverErrors: 5, recoveredPanics: 1)
        let current = WatchSample(time: 3, totalTasks: 1070, groups: [a: 1010, b: 60], serverErrors: 45, recoveredPanics: 21)
        let row = WatchRow(current: current, previous: previous, phase: "load")
        #expect(row.topGroup == b, "b grew most, though a is larger")
        #expect(row.topGroupCount == 60 && row.topGroupGrowth == 50)
        #expect(row.serverErrorsPerSecond == 20)
        #expect(row.recoveredPanicsPerSecond == 10)
        #expect(row.line.contains("top b@B.swift:2 60 (+50)"))
    }

    @Test func routeP99ComesFromTheBucketDeltas() throws {
        // Before: 1000 fast requests. Then 100 more, of which 10 take 0.1-0.25 s.
        let before = WatchSample(time: 0, routeBuckets: ["/r": Self.buckets([(0.001, 1000), (0.1, 1000), (0.25, 1000), (.infinity, 1000)])])
        let after = WatchSample(time: 1, routeBuckets: ["/r": Self.buckets([(0.001, 1090), (0.1, 1090), (0.25, 1100), (.infinity, 1100)])])
        let row = WatchRow(current: after, previous: before, phase: "load")
        let p99 = try #require(row.routeP99MS["/r"])
        // rank 99 of 100 falls in (0.1, 0.25]: 0.1 + 0.15 * 9/10 = 0.235 s.
        #expect(abs(p99 - 235) < 0.001)
    }

    @Test(arguments: [
        (0.5, [(0.1, 50.0), (0.2, 100.0), (Double.infinity, 100.0)], Optional(0.1)),
        (0.75, [(0.1, 50.0), (0.2, 100.0), (Double.infinity, 100.0)], Optional(0.15)),
        (0.99, [(0.1, 50.0), (0.2, 50.0), (Double.infinity, 100.0)], Optional(0.2)),
        (0.99, [(0.1, 0.0), (Double.infinity, 0.0)], nil),
        (0.5, [(1.0, 10.0), (Double.infinity, 10.0)], Optional(0.5)),
    ] as [(Double, [(Double, Double)], Double?)])
    func histogramQuantile(q: Double, pairs: [(Double, Double)], expected: Double?) {
        let value = HistogramQuantile.quantile(q, of: Self.buckets(pairs))
        if let expected {
            #expect(value.map { abs($0 - expected) < 1e-9 } == true, "\(String(describing: value))")
        } else {
            #expect(value == nil)
        }
    }

    @Test func readsTheServersJSONAndMetrics() throws {
        let tasks = #"{"total":5,"groups":[{"count":3,"name":"stock-validation","site":"S.swift:60","function":"f","state":"waiting","wait_reason":"stock-reply","labels":{},"oldest_age_seconds":0.1},{"count":1,"name":"stock-validation","site":"S.swift:60","function":"f","state":"running","wait_reason":null,"labels":{},"oldest_age_seconds":0.1},{"count":1,"name":"request","site":"R.swift:9","function":"g","state":"running","wait_reason":null,"labels":{"route":"/x"},"oldest_age_seconds":0}]}"#
        let metrics = """
            # HELP http_recovered_panics_total x
            http_recovered_panics_total{route="/api/v1/order/map",error="OrderIntegrityError"} 3
            http_request_duration_seconds_bucket{route="/a",method="GET",code="500",le="0.001"} 2
            http_request_duration_seconds_bucket{route="/a",method="GET",code="500",le="+Inf"} 3
            http_request_duration_seconds_bucket{route="/a",method="GET",code="200",le="0.001"} 10
            http_request_duration_seconds_bucket{route="/a",method="GET",code="200",le="+Inf"} 10
            http_request_duration_seconds_count{route="/a",method="GET",code="500"} 3
            http_request_duration_seconds_count{route="/a",method="GET",code="200"} 10
            """
        let sample = try WatchSample(time: 0, tasksJSON: Array(tasks.utf8), metricsText: metrics)
        #expect(sample.totalTasks == 5)
        #expect(sample.groups[TaskGroupKey(site: "S.swift:60", name: "stock-validation")] == 4, "states summed")
        #expect(sample.serverErrors == 3)
        #expect(sample.recoveredPanics == 3)
        #expect(sample.routeBuckets["/a"] == Self.buckets([(0.001, 12), (.infinity, 13)]))
    }

    @Test(arguments: [
        (#"a_total{x="1",y="two words"} 5"#, "a_total", ["x": "1", "y": "two words"], 5.0),
        (#"b 1.5e-3"#, "b", [:], 0.0015),
        (#"c{le="+Inf"} 7 1700000000"#, "c", ["le": "+Inf"], 7.0),
        (#"d{q="say \"hi\", ok"} 1"#, "d", ["q": #"say "hi", ok"#], 1.0),
    ] as [(String, String, [String: String], Double)])
    func prometheusLines(line: String, name: String, labels: [String: String], value: Double) {
        #expect(PrometheusText(line).samples == [PrometheusText.Sample(name: name, labels: labels, value: value)])
    }
}
