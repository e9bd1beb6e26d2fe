import Histogram

/// An HDR histogram as the JSON report carries it, so that reports can be merged exactly:
/// the layout (lowest discernible value, highest trackable value, significant digits) and
/// the non-zero counters as `[value, count]` pairs, with the exact minimum and maximum.
///
/// Decoding records every pair into a fresh histogram of that layout, so the result
/// equals the original (`==`, the same counters, minimum and maximum). The library's own
/// `Codable` is not used: it writes every counter (23 552 for the run's layout, nearly all
/// zero) and its internal indexing fields, which decoding trusts as they are, so an edited
/// file could make `add` index out of range.
public struct HistogramEncoding: Sendable, Codable, Equatable {
    /// The histogram's layout.
    public var lowestDiscernibleValue: UInt64
    public var highestTrackableValue: UInt64
    public var significantDigits: Int
    /// Values recorded in all.
    public var totalCount: UInt64
    /// The smallest and largest value recorded (0 when empty).
    public var min: UInt64
    public var max: UInt64
    /// `[value, count]`: each non-zero counter at the highest value it stands for.
    public var counts: [[UInt64]]

    enum CodingKeys: String, CodingKey {
        case lowestDiscernibleValue = "lowest_discernible_value"
        case highestTrackableValue = "highest_trackable_value"
        case significantDigits = "significant_digits"
        case totalCount = "total_count"
        case min, max, counts
    }

    /// Why an encoding cannot be turned back into a histogram.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Encodes `histogram`.
    public init(_ histogram: Histogram<UInt64>) {
        lowestDiscernibleValue = histogram.lowestDiscernibleValue
        highestTrackableValue = histogram.highestTrackableValue
        significantDigits = Int(histogram.numberOfSignificantValueDigits.rawValue)
        totalCount = histogram.totalCount
        min = histogram.totalCount > 0 ? histogram.min : 0
        max = histogram.maxRecorded
        counts = histogram.recordedValues().map { [$0.value, $0.count] }
    }

    /// The histogram, which must have `layout`'s layout (the reports' histograms all share one).
    public func histogram(layout: Histogram<UInt64>) throws(Problem) -> Histogram<UInt64> {
        guard lowestDiscernibleValue == layout.lowestDiscernibleValue,
              highestTrackableValue == layout.highestTrackableValue,
              significantDigits == Int(layout.numberOfSignificantValueDigits.rawValue) else {
            throw Problem(description: "a histogram of another layout (\(lowestDiscernibleValue)...\(highestTrackableValue), "
                + "\(significantDigits) digits; expected \(layout.lowestDiscernibleValue)...\(layout.highestTrackableValue), "
                + "\(layout.numberOfSignificantValueDigits.rawValue) digits)")
        }
        var histogram = layout
        histogram.reset()
        guard totalCount > 0 else {
            guard counts.isEmpty else { throw Problem(description: "an empty histogram with counts") }
            return histogram
        }
        guard min >= 1, min <= max, max <= highestTrackableValue else {
            throw Problem(description: "a histogram whose min \(min) and max \(max) are out of range")
        }
        var sum: UInt64 = 0
        for pair in counts {
            guard pair.count == 2, pair[1] > 0, pair[0] >= 1, pair[0] <= highestTrackableValue else {
                throw Problem(description: "a histogram count that is not [value, count] with both in range")
            }
            let (value, count) = (pair[0], pair[1])
            let (next, overflow) = sum.addingReportingOverflow(count)
            guard !overflow else { throw Problem(description: "a histogram whose counts overflow") }
            sum = next
            // The counters holding the minimum and the maximum are recorded at them, so that
            // `min` and `max` come back exactly; the rest at the value given.
            let holdsMin = histogram.valuesAreEquivalent(value, min)
            let holdsMax = histogram.valuesAreEquivalent(value, max)
            if holdsMin && holdsMax && min != max {
                guard count >= 2 else { throw Problem(description: "a histogram whose min and max share a count of 1") }
                _ = histogram.record(max)
                _ = histogram.record(min, count: count - 1)
            } else {
                _ = histogram.record(holdsMin ? min : holdsMax ? max : value, count: count)
            }
        }
        guard sum == totalCount else {
            throw Problem(description: "a histogram whose counts add up to \(sum), not its total_count \(totalCount)")
        }
        guard histogram.min == min, histogram.maxRecorded == max else {
            throw Problem(description: "a histogram whose min or max is not among its counts")
        }
        return histogram
    }
}
