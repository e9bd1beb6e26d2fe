import Foundation

/// The whole result of a run, as written by `--json` (schema in loadtest/README.md).
public struct LoadReport: Sendable, Codable {
    /// Identifies the format; bumped when a key changes meaning.
    public var schema = "loadtest/1"
    public var target: Target
    public var config: Config
    /// ISO 8601, when sending started.
    public var startedAt: String
    public var elapsedSeconds: Double
    public var requests: Requests
    /// Responses per second over `elapsed_seconds`.
    public var throughputRPS: Double
    public var bytes: Bytes
    public var latencyMS: LatencySummary
    /// Responses per status code (keys are the codes as strings).
    public var statusCounts: [String: UInt64]
    public var errors: ErrorCounts
    /// (errors of every kind + 5xx responses + unsent) / (responses + errors + unsent); 1 when
    /// there was nothing to count.
    public var errorRate: Double
    public var byRequest: [EntryReport]
    /// Second by second (added in loadtest/1 without a bump: readers that ignore unknown keys are unaffected).
    public var timeline: [Timeline.Point]
    public var thresholds: ThresholdReport
    public var watch: WatchReport?
    /// `latency_ms`'s histogram (microseconds), for merging reports exactly (LoadReport+Merge.swift).
    public var latencyHistogram: HistogramEncoding?
    /// `started_at` as seconds since 1970, fractional: where the timeline's second 0 begins.
    public var startedAtUnixSeconds: Double?
    /// The generator's host name (a merged report's, when all inputs share one).
    public var host: String?
    /// A merged report's inputs (`loadtest report`); absent for a run.
    public var sources: [Source]?
    /// Records the raw files' writers dropped (a merged report's counts lack them); absent when none.
    public var recordsDropped: UInt64?
    /// Limits judged from the watcher's samples, and the one that stopped the run.
    public var serverThresholds: ServerThresholdReport?
    /// The slowest requests and, with `--watch`, the server's view of the run.
    public var incident: IncidentReport?
    /// Scenario checks in all (absent when no entry has `expect`; per entry in `by_request`).
    public var checks: ChecksSummary?
    /// With --trace: the slowest responses and the trace ids they were sent with.
    public var slowestTraced: [TracedRequest]?
    /// With --trace: the sampled fraction asked for and what was sent.
    public var trace: TraceReport?

    public struct Target: Sendable, Codable {
        public var url: String
        public var host: String
        public var port: UInt16
    }

    public struct Config: Sendable, Codable {
        /// "closed" or "open".
        public var mode: String
        public var connections: Int
        public var threads: Int
        public var pipeline: Int
        /// "http/1.1", "h2c", or "tls" (h2 or http/1.1 by ALPN).
        public var `protocol`: String
        /// HTTP/2 streams per connection (absent when HTTP/2 is not offered).
        public var streams: Int?
        /// TLS: whether the certificate was verified (absent for cleartext).
        public var verifyCertificate: Bool?
        public var durationSeconds: Double?
        public var requests: UInt64?
        public var rate: Double?
        public var timeoutSeconds: Double
        public var scenario: String?
        /// `--stages`: the ramp (LoadReport+Stages.swift).
        public var stages: LoadStages.Report?
        enum CodingKeys: String, CodingKey {
            case mode, connections, threads, pipeline, `protocol`, streams
            case verifyCertificate = "verify_certificate"
            case durationSeconds = "duration_seconds"
            case requests, rate
            case timeoutSeconds = "timeout_seconds"
            case scenario, stages
        }
    }

    public struct Requests: Sendable, Codable {
        public var sent: UInt64
        public var responses: UInt64
        /// Requests that ended in an error (connect errors excluded: they have no request).
        public var failed: UInt64
        /// Open loop: due but never sent.
        public var unsent: UInt64
        public var connects: UInt64
        /// Connects that spoke HTTP/2 (h2c, or h2 picked by ALPN).
        public var connectsH2: UInt64
        /// TLS handshakes that failed (also in `errors.connect`).
        public var tlsFailures: UInt64
        enum CodingKeys: String, CodingKey {
            case sent, responses, failed, unsent, connects
            case connectsH2 = "connects_h2"
            case tlsFailures = "tls_failures"
        }
    }

    public struct Bytes: Sendable, Codable {
        public var `in`: UInt64
        public var out: UInt64
    }

    /// One scenario entry's share.
    public struct EntryReport: Sendable, Codable {
        public var name: String
        public var responses: UInt64
        public var statusCounts: [String: UInt64]
        public var errors: ErrorCounts
        public var latencyMS: LatencySummary
        /// `latency_ms`'s histogram (microseconds), for merging reports exactly.
        public var latencyHistogram: HistogramEncoding?
        /// The entry's `expect` checks (absent without one).
        public var checks: EntryChecks?
        enum CodingKeys: String, CodingKey {
            case name, responses
            case statusCounts = "status_counts"
            case errors
            case latencyMS = "latency_ms"
            case latencyHistogram = "latency_histogram"
            case checks
        }
    }

    public struct ThresholdReport: Sendable, Codable {
        public var limits: Thresholds
        public var passed: Bool
        public var violations: [String]
    }

    enum CodingKeys: String, CodingKey {
        case schema, target, config
        case startedAt = "started_at"
        case elapsedSeconds = "elapsed_seconds"
        case requests
        case throughputRPS = "throughput_rps"
        case bytes
        case latencyMS = "latency_ms"
        case statusCounts = "status_counts"
        case errors
        case errorRate = "error_rate"
        case byRequest = "by_request"
        case timeline
        case thresholds, watch, checks, trace
        case slowestTraced = "slowest_traced"
        case latencyHistogram = "latency_histogram"
        case startedAtUnixSeconds = "started_at_unix_seconds"
        case host, sources
        case recordsDropped = "records_dropped"
        case serverThresholds = "server_thresholds"
        case incident
    }

    /// Builds the report of `result` under `configuration`, judged by `thresholds`.
    public init(result: LoadResult, configuration: LoadConfiguration, url: String, thresholds: Thresholds,
                watch: WatchReport? = nil) {
        self.init(result: result, target: Target(url: url, of: configuration), config: Config(configuration), thresholds: thresholds, watch: watch)
        host = Self.hostName
    }

    /// Builds the report of `result` for a run of `config` against `target` (also for merged runs).
    public init(result: LoadResult, target: Target, config: Config, thresholds: Thresholds, watch: WatchReport? = nil) {
        let stats = result.stats
        self.target = target
        self.config = config
        startedAtUnixSeconds = result.startedAt.timeIntervalSince1970
        latencyHistogram = HistogramEncoding(stats.latency)
        startedAt = ISO8601DateFormatter().string(from: result.startedAt)
        elapsedSeconds = result.elapsedSeconds
        let responses = stats.responses
        requests = Requests(sent: result.sent, responses: responses, failed: stats.errors.total - stats.errors.connect,
                            unsent: result.unsent, connects: result.connects, connectsH2: result.connectsHTTP2,
                            tlsFailures: result.tlsFailures)
        throughputRPS = result.elapsedSeconds > 0 ? Double(responses) / result.elapsedSeconds : 0
        bytes = Bytes(in: result.bytesIn, out: result.bytesOut)
        latencyMS = LatencySummary(microseconds: stats.latency)
        statusCounts = Self.keyed(stats.statusCounts)
        errors = stats.errors
        errorRate = Self.errorRate(stats, unsent: result.unsent)
        byRequest = zip(result.entryLabels, result.byEntry).enumerated().map { index, pair in
            let (label, entry) = pair
            return EntryReport(name: label, responses: entry.responses, statusCounts: Self.keyed(entry.statusCounts),
                               errors: entry.errors, latencyMS: LatencySummary(microseconds: entry.latency),
                               latencyHistogram: HistogramEncoding(entry.latency),
                               checks: result.checks?[index].map(EntryChecks.init))
        }
        timeline = result.timeline
        checks = Self.checksSummary(result.checks)
        slowestTraced = result.slowestTraced
        trace = Self.traceReport(result)
        let violations = thresholds.violations(p99Milliseconds: latencyMS.p99, errorRate: errorRate)
            + thresholds.checkViolations(checks)
        self.thresholds = ThresholdReport(limits: thresholds, passed: violations.isEmpty, violations: violations)
        self.watch = watch
        incident = IncidentReport(slowestRequests: result.slowest)
    }

    /// (errors + 5xx + unsent) / (responses + errors + unsent), or 1 when all are zero.
    /// Open-loop requests that were due but never sent count as failed: the offered load
    /// was not served.
    public static func errorRate(_ stats: LoadStats, unsent: UInt64 = 0) -> Double {
        let attempts = stats.responses + stats.errors.total + unsent
        guard attempts > 0 else { return 1 }
        return Double(stats.errors.total + stats.serverErrors + unsent) / Double(attempts)
    }

    static func keyed(_ counts: [Int: UInt64]) -> [String: UInt64] {
        Dictionary(uniqueKeysWithValues: counts.map { (String($0.key), $0.value) })
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
