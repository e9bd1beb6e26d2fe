/// Limits that fail a run: the command exits non-zero when one is crossed.
public struct Thresholds: Sendable, Equatable, Codable {
    /// Highest acceptable p99 latency, in milliseconds.
    public var maxP99Milliseconds: Double?
    /// Highest acceptable error rate, 0...1 (see `LoadReport.errorRate`).
    public var maxErrorRate: Double?
    /// Highest acceptable share of checked responses that fail a scenario check, 0...1.
    public var maxCheckFailureRate: Double?

    enum CodingKeys: String, CodingKey {
        case maxP99Milliseconds = "max_p99_ms"
        case maxErrorRate = "max_error_rate"
        case maxCheckFailureRate = "max_check_failure_rate"
    }

    public init(maxP99Milliseconds: Double? = nil, maxErrorRate: Double? = nil) {
        self.maxP99Milliseconds = maxP99Milliseconds
        self.maxErrorRate = maxErrorRate
    }

    /// The limits that `p99` and `errorRate` cross, as sentences.
    public func violations(p99Milliseconds p99: Double, errorRate: Double) -> [String] {
        var out: [String] = []
        if let limit = maxP99Milliseconds, p99 > limit {
            out.append("p99 \(p99.formatted(digits: 3))ms is above --max-p99 \(limit.formatted(digits: 3))ms")
        }
        if let limit = maxErrorRate, errorRate > limit {
            out.append("error rate \(errorRate.formatted(digits: 4)) is above --max-error-rate \(limit.formatted(digits: 4))")
        }
        return out
    }
}
