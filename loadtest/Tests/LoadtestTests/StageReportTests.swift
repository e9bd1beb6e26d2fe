import CLoadClient
import Foundation
@testable import LoadTest
import Testing

/// What the reports and the live view show of a ramp.
@Suite struct StageReportTests {
    static func report(stages: String, seconds: Int, perSecond: Int) throws -> LoadReport {
        var configuration = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:9/"), scenario: .single(path: "/"))
        configuration.duration = .seconds(10)
        try configuration.apply(stages: try LoadStages.parse(stages), durationGiven: false)
        var timeline = Timeline()
        for second in 0..<seconds {
            for index in 0..<perSecond {
                timeline.record(TimelineTests.sample(doneMS: UInt32(second * 1000 + index), latencyMS: 1))
            }
        }
        var stats = LoadStats()
        stats.recordResponse(status: 200, latencyNanoseconds: 1_000_000)
        let result = LoadResult(startedAt: Date(timeIntervalSince1970: 0), elapsedSeconds: Double(seconds), stats: stats,
                                byEntry: [stats], timeline: configuration.withTargets(timeline.points), entryLabels: ["GET /"],
                                sent: 1, unsent: 0, connects: 1, bytesIn: 0, bytesOut: 0)
        return LoadReport(result: result, configuration: configuration, url: "http://127.0.0.1:9/", thresholds: Thresholds())
    }

    @Test func timelineCarriesTargetAndAchievedRates() throws {
        let report = try Self.report(stages: "2s:200/s,1s:200/s", seconds: 4, perSecond: 100)
        #expect(report.timeline.map(\.targetRPS) == [50, 150, 200, 0])
        #expect(report.timeline.map(\.achievedRPS) == [100, 100, 100, 100])
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let points = try #require(json["timeline"] as? [[String: Any]])
        #expect(points.first?["target_rps"] as? Double == 50)
        #expect(points.first?["achieved_rps"] as? Double == 100)
        let config = try #require(json["config"] as? [String: Any])
        #expect(config["mode"] as? String == "open")
        let stages = try #require(config["stages"] as? [String: Any])
        #expect(stages["kind"] as? String == "rate")
        #expect(stages["start"] as? Double == 0)
        let list = try #require(stages["stages"] as? [[String: Double]])
        #expect(list == [["duration_seconds": 2, "target": 200], ["duration_seconds": 1, "target": 200]])
    }

    @Test func textAndHTMLShowTheRamp() throws {
        let report = try Self.report(stages: "2s:200/s,1s:200/s", seconds: 3, perSecond: 10)
        #expect(report.text.contains("\n  stages   0→200/s in 2.00s, 200/s for 1.00s\n"))
        #expect(report.text.contains("pipeline 1, open loop, ramped\n"))
        let html = report.html
        #expect(html.contains(">Target vs achieved<"))
        #expect(html.contains(">target<") && html.contains(">achieved<"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3)
    }

    @Test func closedLoopTimelineHasNoTargets() throws {
        let report = try Self.report(stages: "2s:8", seconds: 2, perSecond: 10)
        #expect(report.timeline.allSatisfy { $0.targetRPS == nil && $0.achievedRPS == nil })
        #expect(report.timeline.map(\.targetConnections) == [14, 10], "16 -> 8 over 2 s: the mean of each second")
        #expect(report.text.contains("  stages   16→8 connections in 2.00s"))
        #expect(!report.html.contains("Target vs achieved"))
    }

    @Test func liveLineShowsTargetAchievedP99ErrorsAndTheWatcher() throws {
        var configuration = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:9/"), scenario: .single(path: "/"))
        try configuration.apply(stages: try LoadStages.parse("10s:5000/s"), durationGiven: false)
        var snapshot = ProgressSnapshot(elapsedSeconds: 4, intervalSeconds: 1)
        snapshot.responses = 1990
        snapshot.serverErrors = 3
        snapshot.errors = 2
        snapshot.p99Milliseconds = 1.25
        #expect(snapshot.liveLine(configuration: configuration)
            == "4s  target 1750/s  1990 req/s  p99 1.25ms  5xx 3  errors 2", "the ramp's mean rate from 3 s to 4 s")
        let row = try JSONDecoder().decode(WatchRow.self, from: Data(#"""
            {"time": 4, "phase": "load", "total_tasks": 518, "top_group_count": 0, "top_group_growth": 0,
             "five_xx_per_second": 0, "recovered_panics_per_second": 0, "route_p99_ms": {}, "orphans": 12}
            """#.utf8))
        #expect(snapshot.liveLine(configuration: configuration, watch: row).hasSuffix("errors 2  tasks 518  orphans 12"))

        var closed = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:9/"), scenario: .single(path: "/"))
        closed.duration = .seconds(1)
        #expect(snapshot.liveLine(configuration: closed) == snapshot.line, "without a target: the line as before")
        try closed.apply(stages: try LoadStages.parse("8s:32"), durationGiven: false)
        #expect(snapshot.liveLine(configuration: closed).hasPrefix("4s  connections 24  1990 req/s"), "16 -> 32 over 8 s")
    }
}
