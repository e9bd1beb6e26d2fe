import CLoadClient

/// What a loop keeps of its samples for the checks and for `--trace`: check counts per
/// scenario entry, and the slowest responses with their trace sequence numbers.
struct SampleChecks: Sendable {
    /// Per scenario entry: its compiled checks, or nil.
    let checks: [ResponseChecks?]
    var stats: [CheckStats?]
    /// Only with `--trace`.
    var slowest: SlowestSamples?
    /// Whether there is anything to do: a run without checks and --trace skips every sample.
    let isActive: Bool

    init(checks: [ResponseChecks?], keepSlowest: Int?) {
        self.checks = checks
        stats = checks.map { $0.map { CheckStats(names: $0.names) } }
        slowest = keepSlowest.map(SlowestSamples.init)
        isActive = keepSlowest != nil || checks.contains { $0 != nil }
    }

    /// One sample of scenario entry `entry` (nil for samples of no request).
    @inline(__always)
    mutating func record(_ sample: lc_sample, entry: Int?) {
        guard isActive, let entry, entry < checks.count else { return }
        if let check = checks[entry] { stats[entry]?.record(check, sample: sample) }
        if sample.error == 0 { slowest?.record(sample, entry: entry) }
    }
}

/// The N slowest responses of a loop (latency, entry, status, trace sequence number).
struct SlowestSamples: Sendable {
    struct Sample: Sendable {
        var latencyNanoseconds: UInt64
        var entry: Int
        var status: Int
        var traceSequence: UInt64
    }

    let capacity: Int
    private(set) var samples: [Sample] = []
    /// The fastest kept, once full: anything not slower is not kept.
    private var floor: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
        samples.reserveCapacity(capacity)
    }

    mutating func record(_ sample: lc_sample, entry: Int) {
        guard samples.count < capacity || sample.latency_ns > floor else { return }
        let kept = Sample(latencyNanoseconds: sample.latency_ns, entry: entry, status: Int(sample.status),
                          traceSequence: sample.trace_seq)
        if samples.count < capacity {
            samples.append(kept)
        } else if let index = samples.indices.min(by: { samples[$0].latencyNanoseconds < samples[$1].latencyNanoseconds }) {
            samples[index] = kept
        }
        if samples.count == capacity { floor = samples.map(\.latencyNanoseconds).min() ?? 0 }
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

    /// One kept sample, with the traceparent its loop sent.
    init(_ sample: SlowestSamples.Sample, label: String, trace: TraceSettings.Loop) {
        let context = trace.traceparent(sequence: sample.traceSequence)
        name = label
        status = sample.status
        latencyMS = Double(sample.latencyNanoseconds) / 1e6
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
