import CLoadClient

/// What a loop keeps of its samples for the scenario checks: counts per entry.
struct SampleChecks: Sendable {
    /// Per scenario entry: its compiled checks, or nil.
    let checks: [ResponseChecks?]
    var stats: [CheckStats?]
    /// Whether there is anything to do: a run without checks skips every sample.
    let isActive: Bool

    init(checks: [ResponseChecks?]) {
        self.checks = checks
        stats = checks.map { $0.map { CheckStats(names: $0.names) } }
        isActive = checks.contains { $0 != nil }
    }

    /// One sample of scenario entry `entry` (nil for samples of no request).
    @inline(__always)
    mutating func record(_ sample: lc_sample, entry: Int?) {
        guard isActive, let entry, entry < checks.count, let check = checks[entry] else { return }
        stats[entry]?.record(check, sample: sample)
    }
}

/// One of the slowest requests of a `--trace` run, with the trace context it was sent with.
public struct TracedRequest: Sendable, Equatable, Codable {
    /// The scenario entry's label.
    public var name: String
    public var status: Int
    public var latencyMS: Double
    /// 32 lowercase hex digits.
    public var traceID: String
    /// The parent (span) id it carried, 16 hex digits.
    public var parentID: String
    /// Whether its traceparent had the sampled flag.
    public var sampled: Bool

    enum CodingKeys: String, CodingKey {
        case name, status
        case latencyMS = "latency_ms"
        case traceID = "trace_id"
        case parentID = "parent_id"
        case sampled
    }

    /// One of the run's slowest responses, with the traceparent its loop sent.
    init(_ entry: SlowestRequests.Entry, label: String, trace: TraceSettings.Loop) {
        let context = trace.traceparent(sequence: entry.traceSequence)
        name = label
        status = Int(entry.status)
        latencyMS = Double(entry.latencyNanoseconds) / 1e6
        traceID = context.traceID
        parentID = context.parentID
        sampled = context.sampled
    }
}

extension TraceSettings.Loop {
    /// The traceparent this loop sent as request `sequence` of its trace sequence, rebuilt
    /// (lc_trace_format), in its parts.
    func traceparent(sequence: UInt64) -> (traceID: String, parentID: String, sampled: Bool) {
        var bytes = [CChar](repeating: 0, count: Int(LC_TRACEPARENT_LEN))
        lc_trace_format(prefix, sequence, sampledBelow, &bytes)
        let parts = String(decoding: bytes.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: "-")
        return (String(parts[1]), String(parts[2]), parts[3] == "01")
    }
}
