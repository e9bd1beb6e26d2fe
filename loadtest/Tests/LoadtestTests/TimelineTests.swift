import CLoadClient
import Foundation
@testable import LoadTest
import Testing

/// The per-second timeline and the HTML page built from it.
struct TimelineTests {
    static func sample(doneMS: UInt32, latencyMS: UInt64, status: UInt16 = 200, error: ErrorKind? = nil) -> lc_sample {
        var sample = lc_sample()
        sample.done_ms = doneMS
        sample.latency_ns = latencyMS * 1_000_000
        sample.status = error == nil ? status : 0
        sample.error = error?.rawValue ?? 0
        sample.request_index = 0
        return sample
    }

    @Test(arguments: [
        // (completion ms, the second it belongs to)
        (UInt32(0), 0), (999, 0), (1000, 1), (1999, 1), (4500, 4),
    ])
    func samplesFallInTheSecondTheyFinished(doneMS: UInt32, second: Int) {
        var timeline = Timeline()
        timeline.record(Self.sample(doneMS: doneMS, latencyMS: 1))
        #expect(Set(timeline.seconds.keys) == [second])
        #expect(timeline.seconds[second]?.responses == 1)
        let points = timeline.points
        #expect(points.map(\.second) == Array(0...second), "empty seconds are filled in")
        #expect(points.dropLast().allSatisfy { $0.responses == 0 && $0.latencyMS == nil })
    }

    @Test func pointsCountStatusesErrorsAndPercentiles() {
        var a = Timeline()
        var b = Timeline()
        for ms in 0..<100 { a.record(Self.sample(doneMS: UInt32(ms), latencyMS: 1)) }
        b.record(Self.sample(doneMS: 500, latencyMS: 200, status: 503))
        b.record(Self.sample(doneMS: 1500, latencyMS: 5, error: .timeout))
        a.merge(b)
        let points = a.points
        #expect(points.count == 2)
        #expect(points[0].responses == 101)
        #expect(points[0].statusCounts == ["200": 100, "503": 1])
        #expect(points[0].latencyMS!.p50 < 1.1)
        #expect(points[0].latencyMS!.max >= 199 && points[0].latencyMS!.max <= 201)
        #expect(points[1].responses == 0 && points[1].errors == 1)
        #expect(points[1].latencyMS == nil, "no responses, no latency")
    }

    @Test func takeRemovesOnlyEarlierSeconds() {
        var timeline = Timeline()
        for ms: UInt32 in [100, 1100, 2100, 3100] { timeline.record(Self.sample(doneMS: ms, latencyMS: 1)) }
        let early = timeline.take(before: 2)
        #expect(Set(early.seconds.keys) == [0, 1])
        #expect(Set(timeline.seconds.keys) == [2, 3])
        let rest = timeline.take()
        #expect(Set(rest.seconds.keys) == [2, 3])
        #expect(timeline.seconds.isEmpty)
    }

    @Test(arguments: [(0.0, 1.0), (0.3, 0.5), (1, 1), (7, 10), (11, 20), (45, 50), (2001, 5000)])
    func chartScalesRoundUpToOneTwoOrFive(value: Double, ceiling: Double) {
        #expect(SVGChart.niceCeiling(value) == ceiling)
    }

    @Test func htmlIsSelfContainedAndEscaped() throws {
        var timeline = Timeline()
        for second in 0..<3 {
            for index in 0..<50 {
                timeline.record(Self.sample(doneMS: UInt32(second * 1000 + index), latencyMS: UInt64(1 + second),
                                            status: index == 0 ? 500 : 200))
            }
        }
        var stats = LoadStats()
        stats.recordResponse(status: 200, latencyNanoseconds: 1_000_000)
        let result = LoadResult(startedAt: Date(timeIntervalSince1970: 0), elapsedSeconds: 3, stats: stats, byEntry: [stats],
                                timeline: timeline.points, entryLabels: ["GET /a"], sent: 150, unsent: 0, connects: 1,
                                bytesIn: 0, bytesOut: 0)
        let target = try LoadTarget(url: "http://127.0.0.1:9/")
        let configuration = LoadConfiguration(target: target, scenario: .single(path: "/", method: "GET", headers: [:], body: nil))
        let report = LoadReport(result: result, configuration: configuration, url: "http://127.0.0.1:9/<x>&",
                                thresholds: Thresholds())
        #expect(report.timeline.count == 3)
        let html = report.html
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3, "latency, req/s, status; no watcher chart without --watch")
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http-equiv") && !html.contains("src=") && !html.contains("<link"))
        #expect(html.contains("http://127.0.0.1:9/&lt;x&gt;&amp;"))
        #expect(!html.contains("/<x>&"))
        #expect(html.contains("p99") && html.contains(">5xx<") && html.contains(">2xx<"))
        // No coordinate is NaN or infinite.
        for bad in ["nan,", ",nan", "\"nan", "inf,", ",inf", "\"inf", "-inf"] { #expect(!html.contains(bad), "\(bad)") }
    }
}
