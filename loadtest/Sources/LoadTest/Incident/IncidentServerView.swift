/// The server's side of an incident, from the watcher: per-route p99 and 5xx/s on the
/// load's clock, task snapshots at baseline, peak and after settling, and what changed.
public struct IncidentServerView: Sendable, Codable {
    /// One watcher sample's server figures, on the load's clock.
    public struct Point: Sendable, Codable, Equatable {
        /// Seconds since sending started (negative: before it).
        public var second: Double
        public var phase: String
        public var routeP99MS: [String: Double]
        public var fiveXXPerSecond: Double
        public var totalTasks: Int
        public var orphans: Int?

        enum CodingKeys: String, CodingKey {
            case second, phase
            case routeP99MS = "route_p99_ms"
            case fiveXXPerSecond = "five_xx_per_second"
            case totalTasks = "total_tasks"
            case orphans
        }
    }

    /// `/debug/tasks` at one moment: the groups (site, name) and the `debug=1` text.
    public struct Snapshot: Sendable, Codable, Equatable {
        /// "baseline", "peak" (most live tasks) or "settled" (the last sample).
        public var moment: String
        /// Seconds since sending started.
        public var second: Double
        public var totalTasks: Int
        /// Live tasks per (site, name), largest first.
        public var groups: [GroupCount]
        /// `/debug/tasks?debug=1` read at (or just after) that sample; cut at 32 KiB.
        public var text: String?

        enum CodingKeys: String, CodingKey {
            case moment, second
            case totalTasks = "total_tasks"
            case groups, text
        }
    }

    /// A group and its count.
    public struct GroupCount: Sendable, Codable, Equatable {
        public var site: String
        public var name: String
        public var count: Int
    }

    /// A group that grew between the baseline and the peak, and where it ended.
    public struct Change: Sendable, Codable, Equatable {
        public var site: String
        public var name: String
        public var baseline: Int
        public var peak: Int
        public var settled: Int
        /// False when it is still above its baseline after settling: it did not come back.
        public var returned: Bool
    }

    public var timeline: [Point]
    public var snapshots: [Snapshot]
    /// Groups that grew by the peak; those that did not come back first, by excess.
    public var changes: [Change]

    /// Builds the view from the watcher's good samples, its rows, and the texts read.
    /// `offset` turns watcher time into the load's clock.
    init(samples: [WatchSample], rows: [WatchRow], offset: Double, texts: [String: String]) {
        timeline = rows.filter { $0.error == nil }.map { row in
            Point(second: row.time - offset, phase: row.phase, routeP99MS: row.routeP99MS,
                  fiveXXPerSecond: row.serverErrorsPerSecond, totalTasks: row.totalTasks, orphans: row.orphans)
        }
        let good = samples.filter { $0.error == nil }
        guard let baseline = good.first, let settled = good.last else {
            snapshots = []
            changes = []
            return
        }
        let peak = good.dropFirst().max { $0.totalTasks < $1.totalTasks } ?? baseline
        func snapshot(_ moment: String, _ sample: WatchSample) -> Snapshot {
            let groups = sample.groups.map { GroupCount(site: $0.key.site, name: $0.key.name, count: $0.value) }
                .sorted { ($0.count, $1.site, $1.name) > ($1.count, $0.site, $0.name) }
            return Snapshot(moment: moment, second: sample.time - offset, totalTasks: sample.totalTasks,
                            groups: Array(groups.prefix(50)), text: texts[moment])
        }
        snapshots = [snapshot("baseline", baseline), snapshot("peak", peak), snapshot("settled", settled)]
        var keys = Set(peak.groups.keys)
        keys.formUnion(settled.groups.keys)
        changes = keys.compactMap { key in
            let base = baseline.groups[key] ?? 0
            let top = max(peak.groups[key] ?? 0, settled.groups[key] ?? 0)
            let end = settled.groups[key] ?? 0
            guard top > base else { return nil }
            return Change(site: key.site, name: key.name, baseline: base, peak: top, settled: end, returned: end <= base)
        }.sorted { a, b in
            (a.returned ? 0 : 1, a.settled - a.baseline, a.peak - a.baseline, b.site)
                > (b.returned ? 0 : 1, b.settled - b.baseline, b.peak - b.baseline, a.site)
        }
    }
}

/// The incident report's parts that are not the client's summary: the slowest requests,
/// and with `--watch` the server's view.
public struct IncidentReport: Sendable, Codable {
    /// Slowest first.
    public var slowestRequests: [SlowRequest]
    public var server: IncidentServerView?

    enum CodingKeys: String, CodingKey {
        case slowestRequests = "slowest_requests"
        case server
    }

    public init(slowestRequests: [SlowRequest], server: IncidentServerView? = nil) {
        self.slowestRequests = slowestRequests
        self.server = server
    }
}
