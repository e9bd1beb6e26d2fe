import CLoadClient
import Histogram

/// A run second by second: what finished in each whole second after the start of sending
/// (by completion time; the drain after sending stops adds seconds at the end).
///
/// Seconds are kept with their histograms only while samples for them may still arrive;
/// the runner summarizes older ones into `Point`s every second (`take(before:)`), so a
/// long run holds a few histograms per loop, not one per second of the run.
public struct Timeline: Sendable {
    /// One second's counts. Latencies in a coarser histogram than the run's (two
    /// significant digits), so that a long run stays small.
    public struct Second: Sendable {
        public var responses: UInt64 = 0
        public var statusCounts: [Int: UInt64] = [:]
        public var errors = ErrorCounts()
        /// Response latencies in microseconds.
        public var latency = Histogram<UInt64>(lowestDiscernibleValue: 1,
                                                highestTrackableValue: LoadStats.highestTrackableMicroseconds,
                                                numberOfSignificantValueDigits: .two)

        public init() {}

        mutating func merge(_ other: Second) {
            responses += other.responses
            statusCounts.merge(other.statusCounts, uniquingKeysWith: +)
            errors.merge(other.errors)
            latency.add(other.latency)
        }
    }

    /// Second i holds what finished in [i, i+1) seconds after the start.
    public private(set) var seconds: [Int: Second] = [:]

    public init() {}

    /// Records one sample by its completion time.
    public mutating func record(_ sample: lc_sample) {
        record(second: Int(sample.done_ms / 1000)) { second in
            if let kind = ErrorKind(rawValue: sample.error) {
                second.errors[kind] += 1
            } else {
                second.responses += 1
                second.statusCounts[Int(sample.status), default: 0] += 1
                let micros = Swift.min((sample.latency_ns + 999) / 1000, LoadStats.highestTrackableMicroseconds)
                _ = second.latency.record(Swift.max(1, micros))
            }
        }
    }

    mutating func record(second index: Int, _ body: (inout Second) -> Void) {
        body(&seconds[index, default: Second()])
    }

    /// Adds another timeline's seconds to these, second by second.
    public mutating func merge(_ other: Timeline) {
        for (index, second) in other.seconds {
            record(second: index) { $0.merge(second) }
        }
    }

    /// Removes and returns the seconds before `limit` (all of them when nil).
    public mutating func take(before limit: Int? = nil) -> Timeline {
        var taken = Timeline()
        guard let limit else { swap(&taken, &self); return taken }
        for index in seconds.keys where index < limit { taken.seconds[index] = seconds.removeValue(forKey: index) }
        return taken
    }

    /// The seconds held, summarized, by second.
    public var summaries: [Int: Point] {
        Dictionary(uniqueKeysWithValues: seconds.map { index, second in
            (index, Point(second: index, responses: second.responses, statusCounts: LoadReport.keyed(second.statusCounts),
                          errors: second.errors.total, latencyMS: second.responses > 0 ? .init(second.latency) : nil,
                          latencyHistogram: second.responses > 0 ? HistogramEncoding(second.latency) : nil))
        })
    }

    /// Every second from 0 to the last one summarized, in order; seconds in which nothing
    /// finished are there with zero counts (a server that stalls shows as a gap in req/s).
    public static func points(_ summaries: [Int: Point]) -> [Point] {
        guard let last = summaries.keys.max() else { return [] }
        return (0...last).map { summaries[$0] ?? Point(second: $0, responses: 0, statusCounts: [:], errors: 0, latencyMS: nil) }
    }

    /// All seconds held, as `points(_:)` gives them.
    public var points: [Point] { Self.points(summaries) }

    /// One second of `timeline` in the JSON report.
    public struct Point: Sendable, Codable, Equatable {
        /// Seconds after the start of sending at which this second begins.
        public var second: Int
        /// Responses completed in this second (= req/s).
        public var responses: UInt64
        public var statusCounts: [String: UInt64]
        /// Requests that ended in an error in this second (connect errors included).
        public var errors: UInt64
        /// Latency of this second's responses; absent when there were none.
        public var latencyMS: Percentiles?
        /// Open loop: requests due in this second by the schedule (the rate, or the integral
        /// of a ramp over it); 0 after sending ends.
        public var targetRPS: Double?
        /// Open loop: responses that finished in this second, beside `targetRPS`.
        public var achievedRPS: Double?
        /// The histogram `latencyMS` summarizes (microseconds), for merging reports exactly.
        public var latencyHistogram: HistogramEncoding?

        public init(second: Int, responses: UInt64, statusCounts: [String: UInt64], errors: UInt64,
                    latencyMS: Percentiles?, latencyHistogram: HistogramEncoding? = nil) {
            self.second = second
            self.responses = responses
            self.statusCounts = statusCounts
            self.errors = errors
            self.latencyMS = latencyMS
            self.latencyHistogram = latencyHistogram
        }
        /// Connection stages: the mean count of connections the ramp puts in use in this second.
        public var targetConnections: Double?

        /// p50, p90, p99 and max in milliseconds.
        public struct Percentiles: Sendable, Codable, Equatable {
            public var p50: Double
            public var p90: Double
            public var p99: Double
            public var max: Double

            init(_ histogram: Histogram<UInt64>) {
                p50 = Double(histogram.valueAtPercentile(50)) / 1000
                p90 = Double(histogram.valueAtPercentile(90)) / 1000
                p99 = Double(histogram.valueAtPercentile(99)) / 1000
                max = Double(histogram.max) / 1000
            }
        }

        /// This second with the counts of a late part of it added (a sample that reached
        /// Swift after its second was summarized). The latencies are pooled when both parts
        /// carry their histograms; otherwise latency stays this summary's, unless it had none.
        public func absorbing(_ late: Point) -> Point {
            var point = self
            point.responses += late.responses
            point.statusCounts.merge(late.statusCounts, uniquingKeysWith: +)
            point.errors += late.errors
            // Two generators' seconds (a merged report): their targets and rates add up.
            if let target = late.targetRPS { point.targetRPS = (point.targetRPS ?? 0) + target }
            if let achieved = late.achievedRPS { point.achievedRPS = (point.achievedRPS ?? 0) + achieved }
            if let connections = late.targetConnections { point.targetConnections = (point.targetConnections ?? 0) + connections }
            if let mine = point.latencyHistogram, let theirs = late.latencyHistogram,
               var pooled = try? mine.histogram(layout: Timeline.Second().latency),
               let other = try? theirs.histogram(layout: Timeline.Second().latency) {
                pooled.add(other)
                point.latencyMS = Percentiles(pooled)
                point.latencyHistogram = HistogramEncoding(pooled)
            } else if point.latencyMS == nil {
                point.latencyMS = late.latencyMS
                point.latencyHistogram = late.latencyHistogram
            }
            return point
        }

        enum CodingKeys: String, CodingKey {
            case second, responses
            case statusCounts = "status_counts"
            case errors
            case latencyMS = "latency_ms"
            case targetRPS = "target_rps"
            case achievedRPS = "achieved_rps"
            case latencyHistogram = "latency_histogram"
            case targetConnections = "target_connections"
        }
    }
}
