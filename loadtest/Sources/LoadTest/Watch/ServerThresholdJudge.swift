/// Judges each sample the watcher takes during the load against `ServerThresholds`, and
/// names the first limit crossed.
public struct ServerThresholdJudge: Sendable {
    public var thresholds: ServerThresholds
    /// Growth signal (servers without the orphan view): a group at least this many tasks
    /// above its baseline...
    public var minimumExcess: Int
    /// ...that grew at each of this many consecutive samples of the load. Work in flight
    /// under a steady load levels off within a sample or two; a leak keeps climbing.
    public var consecutiveGrowth: Int
    /// Seconds from `Watcher.loadStarted()` to the start of sending (the runner's connect lead).
    public var sendingLead: Double

    /// The runner's connect lead, in seconds.
    public static let defaultSendingLead = Double(LoadRunner.connectLead) / 1e9

    public init(thresholds: ServerThresholds, minimumExcess: Int = 10, consecutiveGrowth: Int = 3,
                sendingLead: Double? = nil) {
        self.thresholds = thresholds
        self.minimumExcess = minimumExcess
        self.consecutiveGrowth = consecutiveGrowth
        self.sendingLead = sendingLead ?? Self.defaultSendingLead
    }

    /// The first limit that `current` crosses, or nil.
    /// - Parameters:
    ///   - baseline: the first good sample, taken before the load.
    ///   - load: the good samples of the load so far, `current` last.
    ///   - row: the watcher's row for `current` (per-route p99 over the interval).
    ///   - previous: the good sample before `current`.
    ///   - loadStart: watcher time at which the load was started.
    public func breach(current: WatchSample, row: WatchRow, previous: WatchSample?, baseline: WatchSample?,
                       load: [WatchSample], loadStart: Double) -> ServerThresholdBreach? {
        guard current.error == nil else { return nil }
        let loadSeconds = current.time - loadStart - sendingLead
        func make(_ kind: String, _ threshold: String, route: String? = nil, observed: Double, limit: Double,
                  _ summary: String) -> ServerThresholdBreach {
            ServerThresholdBreach(kind: kind, threshold: threshold, route: route, observed: observed, limit: limit,
                                  sampleSeconds: current.time, loadSeconds: loadSeconds,
                                  summary: summary + " (watcher sample at \(loadSeconds.formatted(digits: 1))s of the load)")
        }
        if thresholds.abortOnLeak, let baseline {
            let orphans = LeakVerdict.newOrphans(baseline: baseline.orphans, last: current.orphans)
            if let top = orphans.first {
                let total = orphans.reduce(0) { $0 + $1.count }
                return make("leak", "--abort-on-leak", observed: Double(total), limit: 0,
                            "--abort-on-leak: \(total) new orphan\(total == 1 ? "" : "s") on the server, most at \(top.site) (\(top.name)) from route \(top.route)")
            }
            if current.orphans == nil, let growing = growingGroup(baseline: baseline, load: load) {
                return make("leak", "--abort-on-leak", observed: Double(growing.excess), limit: 0,
                            "--abort-on-leak: \(growing.key.name) at \(growing.key.site) grew at \(consecutiveGrowth) samples in a row, \(growing.excess) above its baseline")
            }
        }
        for (route, limit) in thresholds.maxRouteP99MS.sorted(by: { $0.key < $1.key }) {
            if let p99 = row.routeP99MS[route], p99 > limit {
                return make("server_p99", "--max-server-p99 \(route)=\(ServerThresholds.durationText(milliseconds: limit))", route: route,
                            observed: p99, limit: limit,
                            "--max-server-p99: the server's p99 on \(route) was \(p99.formatted(digits: 3))ms over one sample, above \(limit.formatted(digits: 3))ms")
            }
        }
        if let limit = thresholds.maxServerErrorRate, let previous, previous.error == nil {
            let responses = current.responseCount - previous.responseCount
            let errors = current.serverErrors - previous.serverErrors
            if responses > 0, errors / responses > limit {
                let rate = errors / responses
                return make("server_5xx_rate", "--max-server-5xx-rate \(limit.formatted(digits: 4))",
                            observed: rate, limit: limit,
                            "--max-server-5xx-rate: \(Int(errors)) of the server's \(Int(responses)) responses over one sample were 5xx (\(rate.formatted(digits: 4))), above \(limit.formatted(digits: 4))")
            }
        }
        return nil
    }

    /// The group, if any, at least `minimumExcess` above baseline that grew at each of the
    /// last `consecutiveGrowth` samples of `load`.
    func growingGroup(baseline: WatchSample, load: [WatchSample]) -> (key: TaskGroupKey, excess: Int)? {
        guard consecutiveGrowth > 0, load.count > consecutiveGrowth, let last = load.last else { return nil }
        let window = load.suffix(consecutiveGrowth + 1)
        var best: (key: TaskGroupKey, excess: Int)?
        for (key, count) in last.groups {
            let excess = count - (baseline.groups[key] ?? 0)
            guard excess >= minimumExcess else { continue }
            let counts = window.map { $0.groups[key] ?? 0 }
            guard zip(counts, counts.dropFirst()).allSatisfy({ $0 < $1 }) else { continue }
            if best == nil || (excess, key) > (best!.excess, best!.key) { best = (key, excess) }
        }
        return best
    }
}

extension WatchSample {
    /// Responses so far over every route: the `+Inf` buckets of http_request_duration_seconds.
    public var responseCount: Double {
        routeBuckets.values.reduce(0) { $0 + ($1.last?.count ?? 0) }
    }
}
