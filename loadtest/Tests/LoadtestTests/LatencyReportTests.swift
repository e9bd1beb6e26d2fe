import Histogram
import LoadTest
import Testing

@Suite struct LatencyReportTests {
    /// 1...10_000 µs once each: percentile p is about p% of 10 ms.
    static func uniform() -> LoadStats {
        var stats = LoadStats()
        for micros in 1...10_000 { stats.recordResponse(status: 200, latencyNanoseconds: UInt64(micros) * 1000) }
        return stats
    }

    @Test(arguments: [(50.0, 5.0), (90.0, 9.0), (99.0, 9.9), (99.9, 9.99), (99.99, 9.999)])
    func percentilesOfAUniformSpread(percentile: Double, milliseconds: Double) {
        let summary = LatencySummary(microseconds: Self.uniform().latency)
        let value = summary.value(atPercentile: percentile)
        #expect(abs(value - milliseconds) <= milliseconds * 0.001 + 0.001, "\(percentile): \(value)")
    }

    @Test func summaryEnds() {
        let summary = LatencySummary(microseconds: Self.uniform().latency)
        #expect(summary.count == 10_000)
        #expect(summary.min == 0.001)
        #expect(abs(summary.max - 10.0) < 0.01)
        #expect(abs(summary.mean - 5.0005) < 0.01)
    }

    @Test func emptyHistogramGivesZeros() {
        let summary = LatencySummary(microseconds: LoadStats().latency)
        #expect(summary.count == 0 && summary.p99 == 0 && summary.max == 0)
    }

    @Test func subMicrosecondLatenciesCountAsOneMicrosecond() {
        var stats = LoadStats()
        stats.recordResponse(status: 200, latencyNanoseconds: 10)
        #expect(stats.latency.min == 1)
    }

    @Test func mergingAddsCountsAndLatencies() {
        var a = Self.uniform()
        var b = LoadStats()
        b.recordResponse(status: 503, latencyNanoseconds: 50_000_000)
        b.errors[.timeout] = 2
        a.merge(b)
        #expect(a.responses == 10_001)
        #expect(a.statusCounts[503] == 1)
        #expect(a.serverErrors == 1)
        #expect(a.errors.total == 2)
        #expect(LatencySummary(microseconds: a.latency).max >= 49.9)
    }

    @Test(arguments: [
        // responses 200, responses 500, errors, unsent, expected rate
        (100, 0, 0, 0, 0.0),
        (90, 10, 0, 0, 0.1),
        (90, 0, 10, 0, 0.1),
        (80, 10, 10, 0, 0.2),
        (50, 0, 0, 50, 0.5),
        (0, 0, 0, 0, 1.0),
    ] as [(Int, Int, UInt64, UInt64, Double)])
    func errorRate(ok: Int, failed: Int, errors: UInt64, unsent: UInt64, expected: Double) {
        var stats = LoadStats()
        for _ in 0..<ok { stats.recordResponse(status: 200, latencyNanoseconds: 1000) }
        for _ in 0..<failed { stats.recordResponse(status: 500, latencyNanoseconds: 1000) }
        stats.errors[.reset] = errors
        #expect(abs(LoadReport.errorRate(stats, unsent: unsent) - expected) < 1e-9)
    }

    @Test(arguments: [
        (Thresholds(maxP99Milliseconds: 10), 9.9, 0.5, 0),
        (Thresholds(maxP99Milliseconds: 10), 10.1, 0.0, 1),
        (Thresholds(maxErrorRate: 0.01), 100, 0.01, 0),
        (Thresholds(maxErrorRate: 0.01), 1, 0.02, 1),
        (Thresholds(maxP99Milliseconds: 1, maxErrorRate: 0), 2, 0.5, 2),
        (Thresholds(), 1e9, 1, 0),
    ] as [(Thresholds, Double, Double, Int)])
    func thresholds(limits: Thresholds, p99: Double, errorRate: Double, violations: Int) {
        #expect(limits.violations(p99Milliseconds: p99, errorRate: errorRate).count == violations)
    }

    @Test(arguments: [("10s", 10_000_000_000), ("250ms", 250_000_000), ("1.5s", 1_500_000_000), ("2m", 120_000_000_000),
                      ("500us", 500_000), ("3", 3_000_000_000), ("1h", 3_600_000_000_000)] as [(String, UInt64)])
    func durations(text: String, nanoseconds: UInt64) {
        #expect(DurationText.parse(text)?.nanosecondsValue == nanoseconds)
    }

    @Test(arguments: ["", "ten", "-1s", "5 parsecs", "s"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
