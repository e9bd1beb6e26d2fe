extension LoadReport {
    /// The human summary printed at the end of a run.
    public var text: String {
        var lines: [String] = []
        let mode = config.mode == "open"
            ? (config.stages != nil ? "open loop, ramped" : "open loop at \(config.rate.map { $0.formatted(digits: 0) } ?? "?")/s")
            : (config.stages != nil ? "closed loop, ramped" : "closed loop")
        let depth = config.streams.map { "\($0) streams" } ?? "pipeline \(config.pipeline)"
        let wire = config.protocol == "tls"
            ? "TLS (\(requests.connectsH2) of \(requests.connects) connects h2)" : config.protocol
        lines.append("\(target.url): \(wire), \(config.connections) connections, \(config.threads) threads, "
            + "\(depth), \(mode)")
        if let stages = config.stages { lines.append(stages.line) }
        lines.append("  \(requests.responses) responses in \(elapsedSeconds.formatted(digits: 2))s: "
            + "\(throughputRPS.formatted(digits: 1)) req/s, "
            + "\(Double(bytes.in) / 1_048_576 / max(elapsedSeconds, 1e-9), digits: 2) MiB/s in")
        lines.append("  latency  " + LatencySummary.levels.map { level in
            "\(level.label) \(latencyMS.value(atPercentile: level.percentile).formatted(digits: 3))ms"
        }.joined(separator: "  ") + "  max \(latencyMS.max.formatted(digits: 3))ms")
        let statuses = statusCounts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        lines.append("  status   " + (statuses.isEmpty ? "none" : statuses))
        lines.append("  errors   connect \(errors.connect), timeout \(errors.timeout), reset \(errors.reset), "
            + "protocol \(errors.protocol); error rate \(errorRate.formatted(digits: 4))"
            + (requests.unsent > 0 ? "; \(requests.unsent) due but unsent" : "")
            + (requests.tlsFailures > 0 ? "; \(requests.tlsFailures) TLS handshakes failed" : ""))
        if byRequest.count > 1 {
            for entry in byRequest {
                let codes = entry.statusCounts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                lines.append("  - \(entry.name): \(entry.responses) responses, p99 \(entry.latencyMS.p99.formatted(digits: 3))ms"
                    + (codes.isEmpty ? "" : " (\(codes))"))
            }
        }
        lines += checksText + traceText
        for violation in thresholds.violations { lines.append("  THRESHOLD CROSSED: \(violation)") }
        if let serverThresholds { lines += serverThresholds.lines }
        return lines.joined(separator: "\n")
    }
}
