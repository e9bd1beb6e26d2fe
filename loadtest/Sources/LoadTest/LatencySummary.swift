import Histogram

/// The percentiles a report shows, in milliseconds.
public struct LatencySummary: Sendable, Equatable, Codable {
    public var count: UInt64
    public var min: Double
    public var mean: Double
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var p9999: Double
    public var max: Double

    enum CodingKeys: String, CodingKey {
        case count, min, mean, p50, p90, p99
        case p999 = "p99_9"
        case p9999 = "p99_99"
        case max
    }

    /// The percentiles reported, as (label, percentile).
    public static let levels: [(label: String, percentile: Double)] = [
        ("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99),
    ]

    /// Summarizes a histogram of microseconds. An empty histogram gives zeros.
    public init(microseconds histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        guard count > 0 else {
            self.min = 0; mean = 0; p50 = 0; p90 = 0; p99 = 0; p999 = 0; p9999 = 0; self.max = 0
            return
        }
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        self.min = ms(histogram.min)
        mean = histogram.mean / 1000
        p50 = ms(histogram.valueAtPercentile(50))
        p90 = ms(histogram.valueAtPercentile(90))
        p99 = ms(histogram.valueAtPercentile(99))
        p999 = ms(histogram.valueAtPercentile(99.9))
        p9999 = ms(histogram.valueAtPercentile(99.99))
        self.max = ms(histogram.max)
    }

    /// The value for one of `levels`' percentiles.
    public func value(atPercentile percentile: Double) -> Double {
        switch percentile {
        case 50: p50
        case 90: p90
        case 99: p99
        case 99.9: p999
        default: p9999
        }
    }
}
