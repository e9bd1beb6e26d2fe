import Prometheus
import Synchronization

extension HTTPMetrics {
    /// The label set of one `http_request_duration_seconds` series, as the caller passes it.
    /// The status stays an `Int` so that a cache hit never formats a number.
    struct RequestKey: Hashable, Sendable {
        var route: String
        var method: String
        var status: Int
    }

    /// What one event loop writes: its map from label set to histogram cells, and its part
    /// of the in-flight gauge.
    ///
    /// Each loop has its own lock, so it is uncontended as long as callers pass their loop
    /// index; the family's shared lock is taken only the first time a loop sees a label set.
    final class Shard: Sendable {
        let cells = Mutex<[RequestKey: HistogramCells]>([:])
        let inFlight = Atomic<Int>(0)
        /// Keeps the next shard's lock word off this one's cache line.
        private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// A caller's shard number folded into `0..<shards.count`.
    @inline(__always)
    func shardIndex(_ shard: Int) -> Int {
        Int(UInt(bitPattern: shard) % UInt(shards.count))
    }

    /// The cells that shard `index` writes for a label set: from its cache, or made and cached.
    @inline(__always)
    func cells(route: String, method: String, status: Int, shard index: Int) -> HistogramCells {
        let key = RequestKey(route: route, method: method, status: status)
        if let cells = shards[index].cells.withLock({ $0[key] }) {
            return cells
        }
        return makeCells(key, shard: index)
    }

    @inline(never)
    private func makeCells(_ key: RequestKey, shard: Int) -> HistogramCells {
        let methodLabel = Self.methodLabel(key.method)
        let cells = durations.cells(
            labels: [("route", key.route), ("method", methodLabel), ("code", Self.codeLabel(key.status))],
            shard: shard
        )
        // A made-up method or status is recorded but not cached under its own spelling:
        // the cache must stay as bounded as the label values are.
        if methodLabel == key.method && (100...599).contains(key.status) {
            shards[shard].cells.withLock { $0[key] = cells }
        }
        return cells
    }

    /// The failure counters, cached by their label sets.
    struct CounterCache: Sendable {
        struct ParamKey: Hashable, Sendable {
            var route: String
            var param: String
            var reason: ParamFailureReason
        }

        struct PanicKey: Hashable, Sendable {
            var route: String
            var errorType: String
        }

        var params: [ParamKey: Counter] = [:]
        var panics: [PanicKey: Counter] = [:]
    }
}
