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

/// With a server that lists orphans, the verdict is the orphans this run added: exact,
/// named by site, route and the scenario entries whose requests left them.
@Suite struct OrphanVerdictTests {
    static let site = "OrderService/OrderService+ValidationChildren.swift:62"

    static func sample(_ time: Double, orphans: [(String, String, Int)]?) -> WatchSample {
        var sample = WatchSample(time: time)
        sample.orphans = orphans.map { groups in
            WatchSample.Orphans(total: groups.reduce(0) { $0 + $1.2 },
                                groups: groups.map { .init(site: $0.0, name: "stock-validation", route: $0.1, count: $0.2) })
        }
        return sample
    }

    @Test func orphansAddedDuringTheRunAreTheVerdict() throws {
        let samples = [Self.sample(0, orphans: []), Self.sample(1, orphans: [(Self.site, "/api/v1/order/map", 40)]),
                       Self.sample(2, orphans: [(Self.site, "/api/v1/order/map", 80)]),
                       Self.sample(3, orphans: [(Self.site, "/api/v1/order/map", 80)])]
        let verdict = LeakVerdict(samples: samples, loadStart: 0.5, loadEnd: 2.5, orphanEntries: ["map GET": 71, "map POST": 9])
        #expect(verdict.isLeak)
        #expect(verdict.leaks.isEmpty, "no task group grew in the profile samples")
        #expect(verdict.orphans.map(\.count) == [80])
        #expect(verdict.summary == "leak: 80 orphans (tasks alive after their request ended) at \(Self.site) (stock-validation), "
                + "all from route /api/v1/order/map; from scenario entries: map GET (71), map POST (9)")
    }

    @Test func orphansLeftByAnEarlierRunAreNotThisRunsLeak() {
        let old = [(Self.site, "/api/v1/order/map", 500)]
        let samples = [Self.sample(0, orphans: old), Self.sample(1, orphans: old), Self.sample(2, orphans: old)]
        let verdict = LeakVerdict(samples: samples, loadStart: 0.5, loadEnd: 1.5)
        #expect(!verdict.isLeak)
        #expect(verdict.summary.hasPrefix("no leak"))
    }

    @Test func severalSitesAndRoutesAreCounted() {
        let samples = [Self.sample(0, orphans: []), Self.sample(1, orphans: []),
                       Self.sample(2, orphans: [(Self.site, "/api/v1/order/map", 5), ("Other.swift:9", "/api/v1/user/fetch", 2)])]
        let verdict = LeakVerdict(samples: samples, loadStart: 0.5, loadEnd: 1.5)
        #expect(verdict.summary == "leak: 7 orphans (tasks alive after their request ended), 5 at \(Self.site) (stock-validation) "
                + "of 2 sites from 2 routes, most from /api/v1/order/map")
    }

    @Test func aServerWithoutTheViewFallsBackToGrowth() {
        let samples = [Self.sample(0, orphans: nil), Self.sample(1, orphans: nil), Self.sample(2, orphans: nil)]
        let verdict = LeakVerdict(samples: samples, loadStart: 0.5, loadEnd: 1.5)
        #expect(verdict.orphans.isEmpty)
        #expect(verdict.summary.hasPrefix("no leak: live tasks"))
    }
}
