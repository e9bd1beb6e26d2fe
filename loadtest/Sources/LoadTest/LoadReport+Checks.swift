extension LoadReport {
    /// One entry's checks in `by_request[].checks`.
    public struct EntryChecks: Sendable, Codable, Equatable {
        /// Responses checked (errors are not).
        public var checked: UInt64
        /// Responses that failed at least one check.
        public var failed: UInt64
        /// Failures per check ("status", "body_contains", "json /pointer"), zeros included.
        public var byCheck: [String: UInt64]
        /// The first failure, as a sentence.
        public var firstFailure: String?

        enum CodingKeys: String, CodingKey {
            case checked, failed
            case byCheck = "by_check"
            case firstFailure = "first_failure"
        }

        init(_ stats: CheckStats) {
            checked = stats.checked
            failed = stats.failed
            byCheck = Dictionary(zip(stats.names, stats.failures), uniquingKeysWith: +)
            firstFailure = stats.firstFailure
        }
    }

    /// The run's checks in all (`checks`).
    public struct ChecksSummary: Sendable, Codable, Equatable {
        public var checked: UInt64
        public var failed: UInt64
        /// failed / checked (0 when nothing was checked).
        public var failureRate: Double

        enum CodingKeys: String, CodingKey {
            case checked, failed
            case failureRate = "failure_rate"
        }
    }

    static func checksSummary(_ checks: [CheckStats?]?) -> ChecksSummary? {
        guard let checks else { return nil }
        let checked = checks.reduce(0) { $0 + ($1?.checked ?? 0) }
        let failed = checks.reduce(0) { $0 + ($1?.failed ?? 0) }
        return ChecksSummary(checked: checked, failed: failed, failureRate: checked > 0 ? Double(failed) / Double(checked) : 0)
    }

    /// The text report's lines for the checks: the run's, then one per entry with checks.
    var checksText: [String] {
        var lines: [String] = []
        if let checks {
            lines.append("  checks   \(checks.failed) of \(checks.checked) responses failed "
                + "(rate \(checks.failureRate.formatted(digits: 4)))")
            for entry in byRequest {
                guard let entryChecks = entry.checks else { continue }
                let failing = entryChecks.byCheck.filter { $0.value > 0 }.sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                lines.append("    \(entry.name): \(entryChecks.failed) of \(entryChecks.checked) failed"
                    + (failing.isEmpty ? "" : " (\(failing))")
                    + (entryChecks.firstFailure.map { "; first: \($0)" } ?? ""))
            }
        }
        return lines
    }
}

extension Thresholds {
    /// The check failure rate above `--max-check-failures`, as a sentence.
    public func checkViolations(_ checks: LoadReport.ChecksSummary?) -> [String] {
        guard let limit = maxCheckFailureRate else { return [] }
        let rate = checks?.failureRate ?? 0
        guard rate > limit else { return [] }
        return ["check failure rate \(rate.formatted(digits: 4)) is above --max-check-failures \(limit.formatted(digits: 4))"]
    }
}

extension CheckStats {
    /// One entry's counts as a report gives them, to merge with other runs' and judge again.
    /// The checks are keyed by name (sorted), as the report keys them.
    public init(_ entry: LoadReport.EntryChecks) {
        let names = entry.byCheck.keys.sorted()
        self.init(names: names)
        checked = entry.checked
        failed = entry.failed
        failures = names.map { entry.byCheck[$0] ?? 0 }
        firstFailure = entry.firstFailure
    }
}
