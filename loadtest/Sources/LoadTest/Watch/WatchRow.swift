/// One printed line of the watcher: what changed since the previous sample.
public struct WatchRow: Sendable, Codable, Equatable {
    /// Seconds since the watcher started.
    public var time: Double
    /// "baseline", "load" or "settle".
    public var phase: String
    public var totalTasks: Int
    /// The group that grew most since the previous sample (the largest, if none grew).
    public var topGroup: TaskGroupKey?
    public var topGroupCount: Int
    public var topGroupGrowth: Int
    public var serverErrorsPerSecond: Double
    public var recoveredPanicsPerSecond: Double
    /// p99 in milliseconds per route, from the bucket deltas (routes without traffic left out).
    public var routeP99MS: [String: Double]
    /// Live orphans on the server, when it lists them (nil otherwise).
    public var orphans: Int?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case time, phase
        case totalTasks = "total_tasks"
        case topGroup = "top_group"
        case topGroupCount = "top_group_count"
        case topGroupGrowth = "top_group_growth"
        case serverErrorsPerSecond = "five_xx_per_second"
        case recoveredPanicsPerSecond = "recovered_panics_per_second"
        case routeP99MS = "route_p99_ms"
        case orphans, error
    }

    /// The row for `current`, compared with `previous` (nil for the first sample).
    public init(current: WatchSample, previous: WatchSample?, phase: String) {
        time = current.time
        self.phase = phase
        totalTasks = current.totalTasks
        orphans = current.orphans?.total
        error = current.error
        let seconds = previous.map { max(current.time - $0.time, 1e-3) } ?? 1
        var best: (key: TaskGroupKey, growth: Int, count: Int)?
        for (key, count) in current.groups {
            let growth = count - (previous?.groups[key] ?? 0)
            if best == nil || (growth, count, key) > (best!.growth, best!.count, best!.key) {
                best = (key, growth, count)
            }
        }
        topGroup = best?.key
        topGroupCount = best?.count ?? 0
        topGroupGrowth = previous == nil ? 0 : (best?.growth ?? 0)
        guard let previous, previous.error == nil, current.error == nil else {
            serverErrorsPerSecond = 0
            recoveredPanicsPerSecond = 0
            routeP99MS = [:]
            return
        }
        serverErrorsPerSecond = max(0, current.serverErrors - previous.serverErrors) / seconds
        recoveredPanicsPerSecond = max(0, current.recoveredPanics - previous.recoveredPanics) / seconds
        var p99: [String: Double] = [:]
        for (route, buckets) in current.routeBuckets {
            let delta = HistogramQuantile.delta(buckets, minus: previous.routeBuckets[route] ?? [])
            if let seconds = HistogramQuantile.quantile(0.99, of: delta) { p99[route] = seconds * 1000 }
        }
        routeP99MS = p99
    }

    /// The line printed for this row.
    public var line: String {
        if let error { return "watch \(time.formatted(digits: 0))s [\(phase)] admin port: \(error)" }
        var text = "watch \(time.formatted(digits: 0))s [\(phase)] tasks \(totalTasks)"
        if let topGroup {
            text += "  top \(topGroup.name)@\(topGroup.site) \(topGroupCount) (\(topGroupGrowth >= 0 ? "+" : "")\(topGroupGrowth))"
        }
        if let orphans { text += "  orphans \(orphans)" }
        text += "  5xx/s \(serverErrorsPerSecond.formatted(digits: 1))  panics/s \(recoveredPanicsPerSecond.formatted(digits: 1))"
        let routes = routeP99MS.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.formatted(digits: 2))ms" }
        if !routes.isEmpty { text += "  p99 " + routes.joined(separator: ", ") }
        return text
    }
}
