extension ProgressSnapshot {
    /// The live view's line on a terminal: elapsed, the target when there is one (the
    /// schedule's rate over the interval, or the connections in use under connection stages), the achieved rate, the last
    /// interval's p99, 5xx and errors, and with the watcher its latest task count and orphans.
    public func liveLine(configuration: LoadConfiguration, watch row: WatchRow? = nil) -> String {
        var parts = ["\(elapsedSeconds.formatted(digits: 0))s"]
        if configuration.isOpenLoop, intervalSeconds > 0,
           let due = configuration.targetCount(from: elapsedSeconds - intervalSeconds, to: elapsedSeconds) {
            // The schedule's rate over the same interval as the achieved one.
            parts.append("target \((due / intervalSeconds).formatted(digits: 0))/s")
        } else if let stages = configuration.stages, stages.kind == .connections {
            let connections = stages.value(at: .nanoseconds(Int64(max(0, elapsedSeconds) * 1e9)))
            parts.append("connections \(connections.rounded().formatted(digits: 0))")
        }
        parts.append("\(requestsPerSecond.formatted(digits: 0)) req/s")
        parts.append("p99 \(p99Milliseconds.formatted(digits: 2))ms")
        parts.append("5xx \(serverErrors)")
        parts.append("errors \(errors)")
        if let row {
            if let error = row.error {
                parts.append("watch: \(error)")
            } else {
                parts.append("tasks \(row.totalTasks)")
                if let orphans = row.orphans { parts.append("orphans \(orphans)") }
            }
        }
        return parts.joined(separator: "  ")
    }
}
