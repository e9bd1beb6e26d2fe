import CLoadClient
import Foundation
@testable import LoadTest
import Testing

/// The incident report's parts: the slowest requests, the server's view, and the page's sections.
struct IncidentReportTests {
    static func sample(index: UInt32, latencyMS: UInt64, doneMS: UInt32, status: UInt16 = 200, error: ErrorKind? = nil) -> lc_sample {
        var sample = lc_sample()
        sample.latency_ns = latencyMS * 1_000_000
        sample.request_index = index
        sample.status = error == nil ? status : 0
        sample.error = error?.rawValue ?? 0
        sample.done_ms = doneMS
        sample.origin_ns = UInt64(doneMS) * 1_000_000 - sample.latency_ns
        return sample
    }

    @Test func slowestKeepsTheTopResponsesAcrossLoops() {
        var first = SlowestRequests(capacity: 3), second = SlowestRequests(capacity: 3)
        for latency: UInt64 in [5, 50, 1, 70, 30] { first.offer(Self.sample(index: UInt32(latency), latencyMS: latency, doneMS: 1000)) }
        for latency: UInt64 in [60, 2, 90] { second.offer(Self.sample(index: UInt32(latency), latencyMS: latency, doneMS: 1000)) }
        second.offer(Self.sample(index: 1, latencyMS: 5000, doneMS: 6000, error: .timeout))
        #expect(first.entries.map(\.latencyNanoseconds) == [30, 50, 70].map { $0 * 1_000_000 })
        first.merge(second)
        #expect(first.entries.map { $0.latencyNanoseconds / 1_000_000 } == [60, 70, 90], "errors carry no latency: not kept")
    }

    @Test func slowRequestsNameTheirEntryIDAndIntendedSendTime() throws {
        let scenario = try Scenario.parse(json: Data("""
            {"requests": [{"name": "only", "path": "/a", "headers": {"X-Request-Id": "req-{n}"}}]}
            """.utf8))
        let table = RequestTable(scenario: scenario, authority: "127.0.0.1:1", count: 10)
        var slowest = SlowestRequests(capacity: 2)
        slowest.offer(Self.sample(index: 7, latencyMS: 250, doneMS: 3250, status: 500))
        slowest.offer(Self.sample(index: 2, latencyMS: 100, doneMS: 1500))
        let report = slowest.report(table: table)
        #expect(report.map(\.entry) == ["only", "only"])
        #expect(report.map(\.requestID) == ["req-7", "req-2"])
        #expect(report[0].status == 500 && report[0].latencyMS == 250)
        #expect(abs(report[0].intendedSendSeconds - 3.0) < 1e-9 && abs(report[1].intendedSendSeconds - 1.4) < 1e-9)
        let json = String(decoding: try JSONEncoder().encode(report[0]), as: UTF8.self)
        #expect(json.contains(#""request_id":"req-7""#) && !json.contains("trace_id"), "trace_id left out while nil")
        var traced = report[0]
        traced.traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        #expect(String(decoding: try JSONEncoder().encode(traced), as: UTF8.self).contains(#""trace_id":"4bf92f"#))
    }

    static let leaky = TaskGroupKey(site: "OrderService/OrderService+ValidationChildren.swift:66", name: "stock-validation")
    static let requests = TaskGroupKey(site: "Middleware/TaskTrackingMiddleware.swift:30", name: "request")

    @Test func serverViewSnapshotsBaselinePeakAndSettledAndTheGroupsThatStayed() throws {
        let counts: [[TaskGroupKey: Int]] = [[Self.requests: 1], [Self.leaky: 100, Self.requests: 30],
                                             [Self.leaky: 200, Self.requests: 40], [Self.leaky: 200, Self.requests: 1]]
        let samples = counts.enumerated().map { WatchSample(time: Double($0.offset), totalTasks: $0.element.values.reduce(0, +), groups: $0.element) }
        var rows: [WatchRow] = []
        for (index, sample) in samples.enumerated() {
            rows.append(WatchRow(current: sample, previous: index > 0 ? samples[index - 1] : nil, phase: index == 0 ? "baseline" : "load"))
        }
        let view = IncidentServerView(samples: samples, rows: rows, offset: 0.6, texts: ["peak": "29 @ 0x1\n"])
        #expect(view.snapshots.map(\.moment) == ["baseline", "peak", "settled"])
        #expect(view.snapshots.map(\.totalTasks) == [1, 240, 201])
        #expect(view.snapshots[1].text == "29 @ 0x1\n" && view.snapshots[0].text == nil)
        #expect(abs(view.snapshots[1].second - 1.4) < 1e-9, "on the load's clock")
        let kept = try #require(view.changes.first)
        #expect(kept.name == "stock-validation" && !kept.returned && kept.baseline == 0 && kept.settled == 200)
        #expect(view.changes.last?.name == "request" && view.changes.last?.returned == true)
        #expect(view.timeline.count == 4)
    }

    @Test func pageHasEverySectionWithAnID() throws {
        var stats = LoadStats()
        stats.recordResponse(status: 500, latencyNanoseconds: 9_000_000)
        var result = LoadResult(startedAt: Date(timeIntervalSince1970: 0), elapsedSeconds: 3, stats: stats, byEntry: [stats],
                                timeline: [], entryLabels: ["map <GET>"], sent: 1, unsent: 0, connects: 1, bytesIn: 0, bytesOut: 0)
        result.slowest = [SlowRequest(entry: "map <GET>", status: 500, latencyMS: 9, intendedSendSeconds: 0.5, requestID: "map-get-<1>")]
        let configuration = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:9/"),
                                              scenario: .single(path: "/", method: "GET", headers: [:], body: nil))
        let samples = (0..<4).map { WatchSample(time: Double($0), totalTasks: $0 * 10, groups: [Self.leaky: $0 * 10]) }
        let rows = samples.map { WatchRow(current: $0, previous: nil, phase: $0.time == 0 ? "baseline" : "load") }
        let watch = WatchReport(admin: "http://127.0.0.1:9", settleSeconds: 1, loadStartSeconds: 0.5, rows: rows,
                                verdict: LeakVerdict(samples: samples, loadStart: 0.5, loadEnd: 2.5))
        var report = LoadReport(result: result, configuration: configuration, url: "http://127.0.0.1:9/",
                                thresholds: Thresholds(), watch: watch)
        report.incident?.server = IncidentServerView(samples: samples, rows: rows, offset: 0.6, texts: [:])
        report.serverThresholds = ServerThresholdReport(
            limits: ServerThresholds(abortOnLeak: true),
            breach: ServerThresholdBreach(kind: "leak", threshold: "--abort-on-leak", observed: 20, limit: 0, sampleSeconds: 2,
                                          loadSeconds: 1.4, summary: "--abort-on-leak: <b>"),
            loadEndSeconds: 2.5)
        let html = report.html
        for id in report.htmlSectionIDs { #expect(html.contains(#"<section id="\#(id)">"#), "\(id)") }
        #expect(report.htmlSectionIDs.count == 12)
        #expect(html.contains("map-get-&lt;1&gt;") && html.contains("--abort-on-leak: &lt;b&gt;"))
        #expect(html.contains("sending stopped 0.50 s after the watcher saw it"))
        #expect(!html.lowercased().contains("<script"))
        #expect(report.text.contains("STOPPED EARLY (exit 4): --abort-on-leak: <b>"))
        let json = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any]
        let thresholds = try #require(json?["server_thresholds"] as? [String: Any])
        #expect(thresholds["passed"] as? Bool == false)
        #expect(thresholds["stopped_after_seconds"] as? Double == 0.5)
        let incident = try #require(json?["incident"] as? [String: Any])
        #expect((incident["slowest_requests"] as? [[String: Any]])?.first?["request_id"] as? String == "map-get-<1>")
        #expect((incident["server"] as? [String: Any])?["snapshots"] != nil)
    }
}
