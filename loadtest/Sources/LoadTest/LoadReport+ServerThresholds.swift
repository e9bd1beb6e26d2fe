/// Server-side limits in the report: what was asked, and the one crossed.
public struct ServerThresholdReport: Sendable, Codable {
    public var limits: ServerThresholds
    /// False when a limit was crossed (the run was stopped early; exit status 4).
    public var passed: Bool
    public var breach: ServerThresholdBreach?
    /// Watcher time at which the load ended.
    public var loadEndSeconds: Double?
    /// From the moment the watcher saw the breach (the end of the sample's reads) to the
    /// end of the load, in seconds.
    public var stoppedAfterSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case limits, passed, breach
        case loadEndSeconds = "load_end_seconds"
        case stoppedAfterSeconds = "stopped_after_seconds"
    }

    public init(limits: ServerThresholds, breach: ServerThresholdBreach?, loadEndSeconds: Double?) {
        self.limits = limits
        self.passed = breach == nil
        self.breach = breach
        self.loadEndSeconds = loadEndSeconds
        if let breach, let loadEndSeconds { stoppedAfterSeconds = max(0, loadEndSeconds - (breach.seenSeconds ?? breach.sampleSeconds)) }
    }

    /// The text report's lines.
    var lines: [String] {
        guard let breach else { return ["  server   thresholds passed"] }
        var line = "  STOPPED EARLY (exit 4): \(breach.summary)"
        if let stoppedAfterSeconds { line += "; sending stopped \(stoppedAfterSeconds.formatted(digits: 2))s after the watcher saw it" }
        return [line]
    }
}
