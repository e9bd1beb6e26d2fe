/// The loops' check counts, merged for the result.
struct CheckTotals {
    /// Per entry; nil when no entry has checks.
    var stats: [CheckStats?]?

    init(configuration: LoadConfiguration) {
        let checks = configuration.compiledChecks
        stats = checks.contains { $0 != nil } ? checks.map { $0.map { CheckStats(names: $0.names) } } : nil
    }

    mutating func merge(_ loop: SampleChecks) {
        guard var merged = stats else { return }
        for index in merged.indices where index < loop.stats.count {
            if let other = loop.stats[index] { merged[index]?.merge(other) }
        }
        stats = merged
    }
}

extension LoadConfiguration {
    /// Each scenario entry's checks, compiled (nil for an entry without `expect`).
    var compiledChecks: [ResponseChecks?] {
        scenario.requests.map { $0.expect.map { ResponseChecks($0, bodyLimit: checkBodyLimit) } }
    }
}
