/// Quantiles from cumulative Prometheus buckets, the way PromQL's histogram_quantile
/// estimates them: find the bucket holding the rank, interpolate linearly inside it.
public enum HistogramQuantile {
    /// The bucket counts of `current` minus those of `previous` (matched by upper bound).
    public static func delta(_ current: [WatchSample.Bucket], minus previous: [WatchSample.Bucket]) -> [WatchSample.Bucket] {
        let before = Dictionary(previous.map { ($0.upperBound, $0.count) }, uniquingKeysWith: +)
        return current.map { WatchSample.Bucket(upperBound: $0.upperBound, count: max(0, $0.count - (before[$0.upperBound] ?? 0))) }
    }

    /// The `q` quantile (0...1) of cumulative `buckets` sorted by bound, or nil when empty.
    /// A rank in the +Inf bucket gives the highest finite bound.
    public static func quantile(_ q: Double, of buckets: [WatchSample.Bucket]) -> Double? {
        guard let total = buckets.last?.count, total > 0 else { return nil }
        let rank = q * total
        var lowerBound = 0.0
        var lowerCount = 0.0
        for bucket in buckets {
            if bucket.count >= rank {
                guard bucket.upperBound.isFinite else { return lowerBound }
                let inBucket = bucket.count - lowerCount
                guard inBucket > 0 else { return bucket.upperBound }
                return lowerBound + (bucket.upperBound - lowerBound) * (rank - lowerCount) / inBucket
            }
            lowerBound = bucket.upperBound.isFinite ? bucket.upperBound : lowerBound
            lowerCount = bucket.count
        }
        return lowerBound
    }
}
