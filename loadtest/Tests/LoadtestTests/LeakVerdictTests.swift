import LoadTest
import Testing

@Suite struct LeakVerdictTests {
    static let leaky = TaskGroupKey(site: "OrderService/OrderService+ValidationChildren.swift:60", name: "stock-validation")
    static let requests = TaskGroupKey(site: "Middleware/TaskTrackingMiddleware.swift:30", name: "request")

    /// One sample per second: 0 is the baseline, the load runs over 1...loadEnd, then settle.
    static func samples(_ counts: [[TaskGroupKey: Int]]) -> [WatchSample] {
        counts.enumerated().map { index, groups in
            WatchSample(time: Double(index), totalTasks: groups.values.reduce(0, +), groups: groups)
        }
    }

    @Test func namesAGroupThatGrowsAndStays() throws {
        // 100 per second for five seconds, flat for three seconds after; requests come and go.
        var counts: [[TaskGroupKey: Int]] = [[Self.requests: 2]]
        for second in 1...5 { counts.append([Self.leaky: second * 100, Self.requests: 40]) }
        for _ in 6...8 { counts.append([Self.leaky: 500, Self.requests: 2]) }
        let verdict = LeakVerdict(samples: Self.samples(counts), loadStart: 0.5, loadEnd: 5.5)
        #expect(verdict.conclusive)
        let finding = try #require(verdict.leaks.first)
        #expect(verdict.leaks.count == 1, "the request group returned to baseline")
        #expect(finding.group == Self.leaky)
        #expect(finding.baseline == 0 && finding.peak == 500 && finding.final == 500)
        #expect(abs(finding.growthPerSecond - 100) < 15)
        #expect(verdict.summary.hasPrefix("leak: stock-validation at OrderService/OrderService+ValidationChildren.swift:60 grew"))
        #expect(verdict.summary.contains("did not return to baseline"))
    }

    @Test(arguments: [
        // name, counts of one group per second (baseline first), load end, leak?
        ("returns to baseline", [5, 60, 120, 180, 5, 5], 3.5, false),
        ("drains most of its peak", [0, 100, 200, 300, 90, 80], 3.5, false),
        ("keeps most of its peak", [0, 100, 200, 300, 290, 280], 3.5, true),
        ("below the minimum excess", [0, 3, 6, 9, 9, 9], 3.5, false),
        ("grows only after the load", [0, 0, 0, 0, 50, 100], 3.5, false),
        ("high but flat from the start", [400, 400, 400, 400, 400, 400], 3.5, false),
        ("slow steady leak", [10, 22, 34, 46, 46, 46], 3.5, true),
    ] as [(String, [Int], Double, Bool)])
    func judgesOneGroup(name: String, counts: [Int], loadEnd: Double, leak: Bool) {
        let verdict = LeakVerdict(samples: Self.samples(counts.map { [Self.leaky: $0] }), loadStart: 0.5, loadEnd: loadEnd)
        #expect(verdict.isLeak == leak, "\(name): \(verdict.summary)")
        #expect(verdict.summary.hasPrefix(leak ? "leak:" : "no leak:"))
    }

    @Test func ranksTheLargestExcessFirst() {
        let other = TaskGroupKey(site: "X.swift:1", name: "other")
        let counts: [[TaskGroupKey: Int]] = [[:], [Self.leaky: 50, other: 100], [Self.leaky: 100, other: 200],
                                             [Self.leaky: 100, other: 200], [Self.leaky: 100, other: 200]]
        let verdict = LeakVerdict(samples: Self.samples(counts), loadStart: 0.5, loadEnd: 2.5)
        #expect(verdict.leaks.map(\.group) == [other, Self.leaky])
    }

    @Test func isInconclusiveWithoutSamplesAfterTheLoad() {
        let counts: [[TaskGroupKey: Int]] = [[:], [Self.leaky: 100], [Self.leaky: 200]]
        let verdict = LeakVerdict(samples: Self.samples(counts), loadStart: 0.5, loadEnd: 2.5)
        #expect(!verdict.conclusive && !verdict.isLeak)
    }

    @Test func ignoresFailedSamples() {
        var samples = Self.samples([[:], [Self.leaky: 100], [Self.leaky: 200], [:], [Self.leaky: 200]])
        samples[3] = WatchSample(time: 3, error: "connect failed (errno 111)")
        let verdict = LeakVerdict(samples: samples, loadStart: 0.5, loadEnd: 2.5)
        #expect(verdict.leaks.first?.final == 200, "the failed sample is not read as zero tasks")
    }
}

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
