#if canImport(Glibc)
import Glibc
#endif
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

    /// Adds an observation of `nanoseconds` (not negative) to `cells`; with an exemplar (a
    /// sampled trace's request), it becomes its bucket's latest exemplar.
    @inline(__always)
    func record(nanoseconds: Int64, in cells: HistogramCells, exemplar: HistogramExemplar.Trace? = nil) {
        // Linear: 16 predictable compares beat a binary search's branches at this size,
        // and most requests land in the first few buckets.
        var index = 0
        while index < bounds.count && nanoseconds > bounds[index] { index += 1 }
        cells.counts[index].add(1, ordering: .relaxed)
        cells.sumNanoseconds.add(Int(nanoseconds), ordering: .relaxed)
        if let exemplar { cells.setExemplar(bucket: index) { HistogramExemplar(trace: exemplar, nanoseconds: nanoseconds) } }
    }

    /// Every series with the shards added together: cumulative bucket counts (the last is
    /// `+Inf`, which is also the count), the sum in seconds, and per bucket the latest
    /// exemplar of any shard.
    func snapshot() -> [HistogramSnapshot] {
        let all = series.withLock { Array($0.values) }
        return all.map { series in
            var counts = [Int](repeating: 0, count: bounds.count + 1)
            var exemplars = [HistogramExemplar?](repeating: nil, count: bounds.count + 1)
            var sum = 0
            for cells in series.cells {
                for index in counts.indices { counts[index] += cells.counts[index].load(ordering: .relaxed) }
                sum += cells.sumNanoseconds.load(ordering: .relaxed)
                for (index, exemplar) in cells.exemplars() {
                    // An empty bucket takes the shard's exemplar; a full one only a later one.
                    if let kept = exemplars[index], kept.unixSeconds >= exemplar.unixSeconds { continue }
                    exemplars[index] = exemplar
                }
            }
            for index in counts.indices.dropFirst() { counts[index] += counts[index - 1] }
            return HistogramSnapshot(labels: series.labels, cumulative: counts, sumSeconds: Double(sum) / 1e9, exemplars: exemplars)
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

/// One series of a scrape: its labels, cumulative counts, sum, and exemplars by bucket.
struct HistogramSnapshot {
    var labels: [(String, String)]
    var cumulative: [Int]
    var sumSeconds: Double
    var exemplars: [HistogramExemplar?]
}

/// The latest sampled request seen in a bucket (OpenMetrics 1.0 exemplars): the link from a
/// slow bucket to the trace of one request in it.
public struct HistogramExemplar: Sendable {
    /// Which trace and span the request was, as numbers: formatted as hex only when a
    /// scrape renders them, so that recording allocates nothing.
    public struct Trace: Sendable {
        /// The trace id's first and last eight bytes, big-endian.
        public var traceHigh: UInt64, traceLow: UInt64
        /// The span id, big-endian.
        public var span: UInt64
        /// A request's trace and span.
        public init(traceHigh: UInt64, traceLow: UInt64, span: UInt64) {
            self.traceHigh = traceHigh
            self.traceLow = traceLow
            self.span = span
        }

        /// 32 lowercase hex digits.
        public var traceID: String { Self.hex(traceHigh) + Self.hex(traceLow) }
        /// 16 lowercase hex digits.
        public var spanID: String { Self.hex(span) }

        static func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    var trace: Trace
    var seconds: Double
    var unixSeconds: Double

    init(trace: Trace, nanoseconds: Int64) {
        self.trace = trace
        seconds = Double(nanoseconds) / 1e9
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        unixSeconds = Double(now.tv_sec) + Double(now.tv_nsec / 1_000_000) / 1000
    }
}

/// One shard's counts for one series. Written by one event loop, read by scrapes.
final class HistogramCells: Sendable {
    /// Buckets plus the `+Inf` bucket; fixed so that the cells are one allocation.
    static let capacity = 24
    /// Per-bucket (not cumulative) observation counts.
    let counts: InlineArray<24, Atomic<Int>>
    let sumNanoseconds = Atomic<Int>(0)
    /// Each bucket's latest exemplar, written only by traced requests (a lock then, never
    /// for an untraced one), and at most every 100 ms per bucket: a scraper reads one every
    /// few seconds, and under load every request would otherwise take the lock.
    private let latest = Mutex<[Int: HistogramExemplar]>([:])
    private let lastWrittenMilliseconds: InlineArray<24, Atomic<Int>>

    init() {
        counts = InlineArray { _ in Atomic(0) }
        lastWrittenMilliseconds = InlineArray { _ in Atomic(0) }
    }

    /// Keeps `exemplar` (made only when kept) as the bucket's latest, unless the bucket had
    /// one in the last 100 ms.
    @inline(__always)
    func setExemplar(bucket: Int, _ exemplar: () -> HistogramExemplar) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        let milliseconds = now.tv_sec * 1000 + now.tv_nsec / 1_000_000
        guard milliseconds - lastWrittenMilliseconds[bucket].load(ordering: .relaxed) >= 100 else { return }
        lastWrittenMilliseconds[bucket].store(milliseconds, ordering: .relaxed)
        let made = exemplar()
        latest.withLock { $0[bucket] = made }
    }

    func exemplars() -> [Int: HistogramExemplar] {
        latest.withLock { $0 }
    }
}
