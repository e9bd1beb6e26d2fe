import CLoadClient
import Foundation
import LoadTest
import Testing

/// Parsing of the server-side limits, and the judge that reads the watcher's samples.
@Suite struct ServerThresholdTests {
    @Test(arguments: [
        ("/api/v1/order/map=50ms", "/api/v1/order/map", 50.0),
        ("/api/v1/order/{id}=1.5s", "/api/v1/order/{id}", 1500.0),
        ("/plaintext=250us", "/plaintext", 0.25),
        ("unmatched=2s", "unmatched", 2000.0),
    ])
    func parsesRouteEqualsDuration(text: String, route: String, milliseconds: Double) throws {
        let parsed = try ServerThresholds.parseRouteP99(text)
        #expect(parsed.route == route)
        #expect(abs(parsed.milliseconds - milliseconds) < 1e-9)
    }

    @Test(arguments: [
        ("/api/v1/order/map", "expected ROUTE=DURATION"),
        ("/api/v1/order/map=", "no duration"),
        ("/api/v1/order/map=fast", "not a positive duration: fast"),
        ("/api/v1/order/map=-5ms", "not a positive duration"),
        ("/api/v1/order/map=0ms", "not a positive duration"),
        ("api/v1/order/map=5ms", "starting with /"),
        ("=5ms", "starting with /"),
    ])
    func refusesMalformedRouteLimits(text: String, message: String) {
        #expect { try ServerThresholds.parseRouteP99(text) } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("--max-server-p99")
        }
    }

    @Test(arguments: [("0", 0.0), ("1", 1.0), ("0.05", 0.05), (" 0.5 ", 0.5)])
    func parsesFractions(text: String, value: Double) throws {
        #expect(try ServerThresholds.parseFraction(text) == value)
    }

    @Test(arguments: ["1.5", "-0.1", "half", "", "nan", "inf"])
    func refusesFractionsOutsideZeroToOne(text: String) {
        #expect { try ServerThresholds.parseFraction(text) } throws: { "\($0)".contains("within 0...1") }
    }

    @Test func unknownRoutesAreThoseTheServerDoesNotServe() {
        let limits = ServerThresholds(maxRouteP99MS: ["/api/v1/order/map": 50, "/nope": 1, "unmatched": 5, "/also-no": 1])
        #expect(limits.unknownRoutes(served: ["/api/v1/order/map", "/plaintext"]) == ["/also-no", "/nope"])
    }

    // MARK: The judge

    static let site = "OrderService/OrderService+ValidationChildren.swift:66"
    static let leaky = TaskGroupKey(site: site, name: "stock-validation")
    static let route = "/api/v1/order/map"

    /// A sample with `total` responses on the route, `fiveXX` of them 5xx, all under 1 ms
    /// except `slow` under 100 ms.
    static func sample(_ time: Double, tasks: Int = 0, orphans: Int? = nil, total: Double = 0, fiveXX: Double = 0,
                       slow: Double = 0) -> WatchSample {
        var sample = WatchSample(time: time, totalTasks: tasks, groups: tasks > 0 ? [leaky: tasks] : [:],
                                 serverErrors: fiveXX,
                                 routeBuckets: [route: [.init(upperBound: 0.001, count: total - slow),
                                                        .init(upperBound: 0.1, count: total),
                                                        .init(upperBound: .infinity, count: total)]])
        if let orphans {
            sample.orphans = .init(total: orphans, groups: orphans == 0 ? [] : [.init(site: site, name: "stock-validation", route: route, count: orphans)])
        }
        return sample
    }

    static func judge(_ limits: ServerThresholds, _ samples: [WatchSample]) -> ServerThresholdBreach? {
        let judge = ServerThresholdJudge(thresholds: limits, sendingLead: 0.1)
        let current = samples.last!
        let previous = samples.count > 1 ? samples[samples.count - 2] : nil
        let row = WatchRow(current: current, previous: previous, phase: "load")
        return judge.breach(current: current, row: row, previous: previous, baseline: samples.first,
                            load: Array(samples.dropFirst()), loadStart: 0.5)
    }

    @Test func newOrphansAreALeakAtOnce() throws {
        let limits = ServerThresholds(abortOnLeak: true)
        #expect(Self.judge(limits, [Self.sample(0, orphans: 3), Self.sample(1, orphans: 3)]) == nil, "orphans of an earlier run")
        let breach = try #require(Self.judge(limits, [Self.sample(0, orphans: 3), Self.sample(1, orphans: 5)]))
        #expect(breach.kind == "leak")
        #expect(breach.observed == 2)
        #expect(breach.sampleSeconds == 1)
        #expect(abs(breach.loadSeconds - 0.4) < 1e-9, "sample time - load start - sending lead")
        #expect(breach.summary.contains("2 new orphans") && breach.summary.contains(Self.route))
    }

    @Test(arguments: [
        // tasks per sample (baseline first), leak?
        ([0, 20, 40, 60, 80], true),
        ([0, 20, 40, 40, 80], false),       // levelled off once in the window
        ([0, 2, 4, 6, 8], false),           // below the minimum excess
        ([0, 20, 40, 60], false),           // too few samples of the load yet
        ([50, 30, 40, 50, 58], false),      // not above the baseline by 10
    ])
    func withoutTheOrphanViewAGroupMustKeepGrowing(counts: [Int], leak: Bool) {
        let samples = counts.enumerated().map { Self.sample(Double($0.offset), tasks: $0.element) }
        #expect((Self.judge(ServerThresholds(abortOnLeak: true), samples) != nil) == leak, "\(counts)")
    }

    @Test func routeP99AboveTheLimitStopsTheRun() throws {
        let limits = ServerThresholds(maxRouteP99MS: [Self.route: 50])
        // Of 100 responses in the interval, 5 took up to 100 ms: p99 is inside that bucket.
        let slow = [Self.sample(0), Self.sample(1, total: 100, slow: 5)]
        let breach = try #require(Self.judge(limits, slow))
        #expect(breach.kind == "server_p99" && breach.route == Self.route && breach.limit == 50)
        #expect(breach.observed > 50 && breach.observed <= 100)
        #expect(breach.threshold == "--max-server-p99 /api/v1/order/map=50.0ms")
        // All fast: p99 under 1 ms.
        #expect(Self.judge(limits, [Self.sample(0), Self.sample(1, total: 100)]) == nil)
        // The limit judges each interval's deltas, not the totals since the start.
        #expect(Self.judge(limits, [Self.sample(0, total: 100, slow: 5), Self.sample(1, total: 1100, slow: 5)]) == nil)
    }

    @Test(arguments: [
        // (5xx, responses) over one interval, limit, crossed?
        (5.0, 100.0, 0.01, true), (1.0, 100.0, 0.01, false), (0.0, 0.0, 0.0, false), (1.0, 1000.0, 0.0, true),
        (100.0, 100.0, 1.0, false),
    ])
    func serverErrorFractionOverOneInterval(fiveXX: Double, total: Double, limit: Double, crossed: Bool) throws {
        let limits = ServerThresholds(maxServerErrorRate: limit)
        let samples = [Self.sample(0, total: 500, fiveXX: 400), Self.sample(1, total: 500 + total, fiveXX: 400 + fiveXX)]
        let breach = Self.judge(limits, samples)
        #expect((breach != nil) == crossed)
        if let breach { #expect(breach.kind == "server_5xx_rate" && abs(breach.observed - fiveXX / total) < 1e-9) }
    }

    // MARK: The slowest requests

    @Test func requestIDsComeFromTheRenderedRequests() throws {
        let scenario = try Scenario.parse(json: Data("""
            {"requests": [{"name": "a", "path": "/a", "headers": {"X-Request-Id": "a-{n}"}},
                          {"name": "b", "method": "POST", "path": "/b", "body": "X-Request-Id: no"}]}
            """.utf8))
        let table = RequestTable(scenario: scenario, authority: "127.0.0.1:1", count: 40, seed: 1)
        var ids: [String?] = []
        for index in 0..<table.count { ids.append(table.requestID(at: index)) }
        for (index, entry) in table.entries.enumerated() {
            if entry == 0 { #expect(ids[index]?.hasPrefix("a-") == true) } else { #expect(ids[index] == nil, "not from the body") }
        }
    }
}
