/// Limits judged from the watcher's samples, while the load runs: a crossed one stops the
/// run early (exit status 4).
public struct ServerThresholds: Sendable, Equatable, Codable {
    /// Stop as soon as the watcher sees a leak: orphans added since the baseline when the
    /// server lists them, else a group that keeps growing (see `GrowthSignal`).
    public var abortOnLeak = false
    /// Highest acceptable p99 per route template, in milliseconds, over one sample interval.
    public var maxRouteP99MS: [String: Double] = [:]
    /// Highest acceptable fraction of 5xx responses among all responses of one sample interval.
    public var maxServerErrorRate: Double?

    enum CodingKeys: String, CodingKey {
        case abortOnLeak = "abort_on_leak"
        case maxRouteP99MS = "max_route_p99_ms"
        case maxServerErrorRate = "max_5xx_rate"
    }

    public init(abortOnLeak: Bool = false, maxRouteP99MS: [String: Double] = [:], maxServerErrorRate: Double? = nil) {
        self.abortOnLeak = abortOnLeak
        self.maxRouteP99MS = maxRouteP99MS
        self.maxServerErrorRate = maxServerErrorRate
    }

    /// True when no limit is set.
    public var isEmpty: Bool { !abortOnLeak && maxRouteP99MS.isEmpty && maxServerErrorRate == nil }

    /// Why a value given on the command line was refused.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `ROUTE=DURATION` (`/api/v1/order/map=50ms`) into the route and milliseconds.
    public static func parseRouteP99(_ text: String) throws(Problem) -> (route: String, milliseconds: Double) {
        guard let equals = text.lastIndex(of: "=") else {
            throw Problem(description: "--max-server-p99 \(text): expected ROUTE=DURATION, e.g. /api/v1/order/map=50ms")
        }
        let route = String(text[..<equals])
        let value = String(text[text.index(after: equals)...])
        guard route.hasPrefix("/") || route == "unmatched" else {
            throw Problem(description: "--max-server-p99 \(text): the route is a template starting with /, e.g. /api/v1/order/{id}")
        }
        guard let duration = DurationText.parse(value), duration > .zero else {
            throw Problem(description: "--max-server-p99 \(text): \(value.isEmpty ? "no duration" : "not a positive duration: \(value)")")
        }
        return (route, duration.secondsValue * 1000)
    }

    /// Parses a fraction within 0...1.
    public static func parseFraction(_ text: String) throws(Problem) -> Double {
        guard let value = Double(text.trimmingWhitespace()), value.isFinite, (0...1).contains(value) else {
            throw Problem(description: "--max-server-5xx-rate \(text): expected a fraction within 0...1, e.g. 0.01")
        }
        return value
    }

    /// A limit in milliseconds as a short duration (`50.0ms`, `5.00s`).
    public static func durationText(milliseconds: Double) -> String {
        DurationText.format(nanoseconds: UInt64((milliseconds * 1e6).rounded()))
    }

    /// The routes named by `maxRouteP99MS` that `served` lacks, sorted.
    public func unknownRoutes(served: Set<String>) -> [String] {
        maxRouteP99MS.keys.filter { !served.contains($0) && $0 != "unmatched" }.sorted()
    }
}

/// The limit a run crossed, what was seen and when: the reason it stopped early.
public struct ServerThresholdBreach: Sendable, Equatable, Codable {
    /// "leak", "server_p99" or "server_5xx_rate".
    public var kind: String
    /// The limit, as given (`--max-server-p99 /api/v1/order/map=50ms`).
    public var threshold: String
    /// The route, for a p99 limit.
    public var route: String?
    /// The value seen: milliseconds, a fraction, or the count of leaked tasks.
    public var observed: Double
    /// The limit's value in the same unit (0 for a leak).
    public var limit: Double
    /// Watcher time (seconds since its baseline sample) of the sample that saw it: when
    /// its reads began.
    public var sampleSeconds: Double
    /// Watcher time at which that sample's reads were done and the limit judged crossed:
    /// the earliest the load could be stopped (the admin listener answers slowly on a busy
    /// machine; it runs at the lowest CPU priority).
    public var seenSeconds: Double?
    /// The same moment on the load's clock (seconds since sending started).
    public var loadSeconds: Double
    /// One sentence.
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case kind, threshold, route, observed, limit
        case sampleSeconds = "sample_seconds"
        case seenSeconds = "seen_seconds"
        case loadSeconds = "load_seconds"
        case summary
    }
}
