import Synchronization

/// The `http_request_duration_seconds` histogram, kept outside the registry so that
/// recording takes no lock.
///
/// swift-prometheus's `Histogram.record` takes a lock and walks every bucket (about 90 ns
/// here), which alone would be most of the hot path's budget. Here each series has one set
/// of cells per shard (event loop); a record is one bucket search and two relaxed atomic
/// adds on cells that only its own loop writes, and a scrape adds the shards together.
final class DurationHistogramFamily: Sendable {
    /// Upper bounds of the buckets, in nanoseconds.
    let bounds: [Int64]
    let shardCount: Int
    private let series = Mutex<[[String]: Series]>([:])

    /// One label set: its label names and values, and one set of cells per shard.
    final class Series: Sendable {
        let labels: [(String, String)]
        let cells: [HistogramCells]

        init(labels: [(String, String)], shardCount: Int) {
            self.labels = labels
            self.cells = (0..<shardCount).map { _ in HistogramCells() }
        }
    }

    init(buckets: [Duration], shardCount: Int) {
        precondition(buckets.count < HistogramCells.capacity, "too many buckets")
        precondition(zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "buckets must increase")
        self.bounds = buckets.map(Self.nanoseconds)
        self.shardCount = shardCount
    }

    /// The cells that `shard` writes for a label set, made on first use.
    func cells(labels: [(String, String)], shard: Int) -> HistogramCells {
        let key = labels.flatMap { [$0.0, $0.1] }
        return series.withLock { series in
            if let existing = series[key] { return existing.cells[shard] }
            let created = Series(labels: labels, shardCount: shardCount)
            series[key] = created
            return created.cells[shard]
        }
    }

    /// Adds an observation of `nanoseconds` (not negative) to `cells`.
    @inline(__always)
    func record(nanoseconds: Int64, in cells: HistogramCells) {
        // Linear: 16 predictable compares beat a binary search's branches at this size,
        // and most requests land in the first few buckets.
        var index = 0
        while index < bounds.count && nanoseconds > bounds[index] { index += 1 }
        cells.counts[index].add(1, ordering: .relaxed)
        cells.sumNanoseconds.add(Int(nanoseconds), ordering: .relaxed)
    }

    /// Every series with the shards added together: cumulative bucket counts (the last is
    /// `+Inf`, which is also the count) and the sum in seconds.
    func snapshot() -> [(labels: [(String, String)], cumulative: [Int], sumSeconds: Double)] {
        let all = series.withLock { Array($0.values) }
        return all.map { series in
            var counts = [Int](repeating: 0, count: bounds.count + 1)
            var sum = 0
            for cells in series.cells {
                for index in counts.indices { counts[index] += cells.counts[index].load(ordering: .relaxed) }
                sum += cells.sumNanoseconds.load(ordering: .relaxed)
            }
            for index in counts.indices.dropFirst() { counts[index] += counts[index - 1] }
            return (series.labels, counts, Double(sum) / 1e9)
        }
    }

    /// A duration in whole nanoseconds, negative ones as 0, very long ones saturated.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        // A request's duration is almost always under 9.2 s, which fits in an Int64 of
        // attoseconds: then one 64-bit division by a constant (a multiply) does it, where
        // `components` divides 128-bit numbers.
        if let attoseconds = Int64(exactly: duration.attoseconds) {
            return attoseconds >= 0 ? attoseconds / 1_000_000_000 : 0
        }
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        guard seconds < 9_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// One shard's counts for one series. Written by one event loop, read by scrapes.
final class HistogramCells: Sendable {
    /// Buckets plus the `+Inf` bucket; fixed so that the cells are one allocation.
    static let capacity = 24
    /// Per-bucket (not cumulative) observation counts.
    let counts: InlineArray<24, Atomic<Int>>
    let sumNanoseconds = Atomic<Int>(0)

    init() {
        counts = InlineArray { _ in Atomic(0) }
    }
}
