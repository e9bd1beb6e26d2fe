/// The loops' check counts and slowest traced responses, merged for the result.
struct ChecksAndTraces {
    let labels: [String]
    /// Per entry; nil when no entry has checks.
    var stats: [CheckStats?]?
    var slowestSamples: [(SlowestSamples.Sample, TraceSettings.Loop)] = []
    let keep: Int?

    init(configuration: LoadConfiguration, labels: [String]) {
        self.labels = labels
        let checks = configuration.scenario.requests.map { $0.expect.map { ResponseChecks($0, bodyLimit: configuration.checkBodyLimit) } }
        stats = checks.contains { $0 != nil } ? checks.map { $0.map { CheckStats(names: $0.names) } } : nil
        keep = configuration.trace?.slowest
    }

    mutating func merge(_ loop: SampleChecks, trace: TraceSettings.Loop?) {
        if var merged = stats {
            for index in merged.indices where index < loop.stats.count {
                if let other = loop.stats[index] { merged[index]?.merge(other) }
            }
            stats = merged
        }
        if let trace, let slowest = loop.slowest {
            slowestSamples += slowest.samples.map { ($0, trace) }
        }
    }

    /// The slowest of all loops, slowest first, with their trace contexts.
    var slowest: [TracedRequest]? {
        guard let keep else { return nil }
        return slowestSamples.sorted { $0.0.latencyNanoseconds > $1.0.latencyNanoseconds }.prefix(keep).map { sample, trace in
            TracedRequest(sample, label: sample.entry < labels.count ? labels[sample.entry] : "?", trace: trace)
        }
    }
}
