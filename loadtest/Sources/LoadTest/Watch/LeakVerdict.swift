/// The watcher's conclusion: whether some task group grew under load and stayed up after
/// the load stopped.
public struct LeakVerdict: Sendable, Codable, Equatable {
    /// Groups judged to leak, the largest excess first; empty for "no leak".
    public var leaks: [Finding]
    /// The one-line verdict.
    public var summary: String
    /// False when there were too few good samples to judge.
    public var conclusive: Bool

    /// Orphans at the last sample (tasks alive after their request ended: a leak by
    /// definition), by site, name and route; empty when none or the server offers none.
    public var orphans: [WatchSample.Orphans.Group] = []
    /// Orphans per scenario entry, by the `X-Request-Id` prefix of their requests.
    public var orphanEntries: [String: Int] = [:]

    public var isLeak: Bool { !leaks.isEmpty || !orphans.isEmpty }

    enum CodingKeys: String, CodingKey {
        case leaks, summary, conclusive, orphans
        case orphanEntries = "orphan_entries"
    }

    /// One leaking group.
    public struct Finding: Sendable, Codable, Equatable {
        public var group: TaskGroupKey
        /// Live tasks before the load.
        public var baseline: Int
        public var peak: Int
        /// Live tasks at the last sample, after the settle period.
        public var final: Int
        /// Least-squares slope of the count during the load, tasks per second.
        public var growthPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case group, baseline, peak, final
            case growthPerSecond = "growth_per_second"
        }
    }

    /// The rules, with defaults.
    public struct Rules: Sendable, Equatable {
        /// Excess over baseline, after settling, below which nothing is called a leak.
        public var minimumExcess = 10
        /// The excess after settling must keep at least this fraction of the peak excess
        /// (a group that drained most of its growth is slow, not leaking).
        public var retainedFraction = 0.5

        public init(minimumExcess: Int = 10, retainedFraction: Double = 0.5) {
            self.minimumExcess = minimumExcess
            self.retainedFraction = retainedFraction
        }
    }

    /// Judges `samples` (the first taken before the load) of a load that ran from
    /// `loadStart` to `loadEnd` (seconds on the samples' clock).
    ///
    /// When the server lists orphans and there are more at the last sample than at the
    /// baseline, they are the verdict (exact, no threshold): "N orphans at SITE, all from
    /// route R", with the scenario entries (`orphanEntries`) whose requests left them.
    public init(samples: [WatchSample], loadStart: Double, loadEnd: Double, rules: Rules = Rules(),
                orphanEntries: [String: Int] = [:]) {
        let good = samples.filter { $0.error == nil }
        guard let baseline = good.first, let last = good.last, last.time > loadEnd, good.count >= 3 else {
            leaks = []
            conclusive = false
            summary = "inconclusive: too few samples from the admin port (need one before, during and after the load)"
            return
        }
        let during = good.filter { $0.time >= loadStart && $0.time <= loadEnd }
        var keys = Set<TaskGroupKey>()
        for sample in good { keys.formUnion(sample.groups.keys) }
        var findings: [Finding] = []
        for key in keys {
            let base = baseline.groups[key] ?? 0
            let final = last.groups[key] ?? 0
            let peak = good.map { $0.groups[key] ?? 0 }.max() ?? 0
            let excess = final - base
            guard excess >= rules.minimumExcess,
                  Double(excess) >= rules.retainedFraction * Double(peak - base) else { continue }
            let points = ([baseline] + during).map { ($0.time, Double($0.groups[key] ?? 0)) }
            let slope = Self.slope(points)
            guard slope > 0 else { continue }
            findings.append(Finding(group: key, baseline: base, peak: peak, final: final, growthPerSecond: slope))
        }
        findings.sort { ($0.final - $0.baseline, $1.group) > ($1.final - $1.baseline, $0.group) }
        leaks = findings
        conclusive = true
        let settle = (last.time - loadEnd).formatted(digits: 0)
        let newOrphans = Self.newOrphans(baseline: baseline.orphans, last: last.orphans)
        if !newOrphans.isEmpty {
            orphans = newOrphans
            self.orphanEntries = orphanEntries
            summary = Self.orphanSummary(total: newOrphans.reduce(0) { $0 + $1.count }, groups: orphans, entries: orphanEntries)
        } else if let top = findings.first {
            summary = "leak: \(top.group.name) at \(top.group.site) grew \(top.growthPerSecond.formatted(digits: 1))/s "
                + "under load (baseline \(top.baseline), peak \(top.peak)) and did not return to baseline "
                + "\(settle)s after the load stopped (still \(top.final))"
        } else {
            summary = "no leak: live tasks \(last.totalTasks) \(settle)s after the load (baseline \(baseline.totalTasks))"
        }
    }

    /// The orphan groups that grew since the baseline, by how much (orphans left by an
    /// earlier run stay listed on the server, and are not this run's).
    static func newOrphans(baseline: WatchSample.Orphans?, last: WatchSample.Orphans?) -> [WatchSample.Orphans.Group] {
        guard let last else { return [] }
        var before: [String: Int] = [:]
        for group in baseline?.groups ?? [] { before["\(group.site) \(group.name) \(group.route)", default: 0] += group.count }
        return last.groups.compactMap { group in
            var grown = group
            grown.count -= before["\(group.site) \(group.name) \(group.route)"] ?? 0
            return grown.count > 0 ? grown : nil
        }.sorted { ($0.count, $1.site) > ($1.count, $0.site) }
    }

    /// "leak: 500 orphans at SITE (name), all from route R; from scenario entries: map-missing (500)".
    static func orphanSummary(total: Int, groups: [WatchSample.Orphans.Group], entries: [String: Int]) -> String {
        guard let top = groups.first else { return "leak: \(total) orphans" }
        var text = "leak: \(total) orphan\(total == 1 ? "" : "s") (tasks alive after their request ended)"
        let sites = Set(groups.map { "\($0.site) \($0.name)" })
        text += sites.count == 1 ? " at \(top.site) (\(top.name))" : ", \(top.count) at \(top.site) (\(top.name)) of \(sites.count) sites"
        let routes = Set(groups.map(\.route))
        text += routes.count == 1 ? ", all from route \(top.route)" : " from \(routes.count) routes, most from \(top.route)"
        if !entries.isEmpty {
            let listed = entries.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) (\($0.value))" }
            text += "; from scenario entries: " + listed.joined(separator: ", ")
        }
        return text
    }

    /// Least-squares slope of (x, y) points; 0 for fewer than two distinct x.
    static func slope(_ points: [(Double, Double)]) -> Double {
        guard points.count >= 2 else { return 0 }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.0 } / n
        let meanY = points.reduce(0) { $0 + $1.1 } / n
        var numerator = 0.0, denominator = 0.0
        for (x, y) in points {
            numerator += (x - meanX) * (y - meanY)
            denominator += (x - meanX) * (x - meanX)
        }
        return denominator > 0 ? numerator / denominator : 0
    }
}
