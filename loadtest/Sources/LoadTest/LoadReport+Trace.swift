extension LoadReport {
    /// `--trace` in the JSON report (`trace`).
    public struct TraceReport: Sendable, Codable, Equatable {
        /// --trace-sampling.
        public var sampling: Double
        /// Requests sent, each with its own trace id.
        public var sent: UInt64
        /// Of those, sent with the sampled flag.
        public var sampled: UInt64
    }

    static func traceReport(_ result: LoadResult) -> TraceReport? {
        guard let sampling = result.traceSampling, let sampled = result.traceSampled else { return nil }
        return TraceReport(sampling: sampling, sent: result.sent, sampled: sampled)
    }

    /// The text report's lines for --trace: the sampled count and the slowest requests.
    var traceText: [String] {
        guard let trace else { return [] }
        var lines = ["  trace    \(trace.sent) traceparents sent, \(trace.sampled) sampled (--trace-sampling \(trace.sampling))"]
        for request in slowestTraced ?? [] {
            lines.append("    \(request.latencyMS.formatted(digits: 3))ms  \(request.status)  trace \(request.traceID)"
                + (request.sampled ? " sampled" : "") + "  \(request.name)")
        }
        return lines
    }
}
