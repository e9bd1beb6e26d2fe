import Locking
import Server
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
        let cells = PthreadMutex(CellCache())
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
        if let cells = shards[index].cells.withLock({ $0.cells(route: route, method: method, status: status) }) {
            return cells
        }
        return makeCells(RequestKey(route: route, method: method, status: status), shard: index)
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
            shards[shard].cells.withLock { $0.insert(cells, for: key) }
        }
        return cells
    }

    /// The failure counters, cached by their label sets.
    /// One shard's histogram cells by (route, method, status): a small direct-mapped table
    /// in front of a dictionary. The table's index uses only lengths and the status, and a
    /// hit compares strings that are usually the same object (the router's template, a
    /// method literal), so the common request hashes nothing; the dictionary (SipHash over
    /// both strings) was a third of the metrics' cost per request.
    struct CellCache: Sendable {
        struct Recent: Sendable {
            var route: String
            var method: String
            var status: Int
            var cells: HistogramCells
        }

        static let recentCount = 64
        var recent = [Recent?](repeating: nil, count: CellCache.recentCount)
        var all: [RequestKey: HistogramCells] = [:]

        @inline(__always)
        static func recentIndex(route: String, method: String, status: Int) -> Int {
            (route.utf8.count &* 31 &+ method.utf8.count &* 7 &+ status) & (recentCount - 1)
        }

        mutating func cells(route: String, method: String, status: Int) -> HistogramCells? {
            let index = Self.recentIndex(route: route, method: method, status: status)
            if let hit = recent[index], hit.status == status, hit.route == route, hit.method == method {
                return hit.cells
            }
            guard let cells = all[RequestKey(route: route, method: method, status: status)] else { return nil }
            recent[index] = Recent(route: route, method: method, status: status, cells: cells)
            return cells
        }

        mutating func insert(_ cells: HistogramCells, for key: RequestKey) {
            all[key] = cells
            recent[Self.recentIndex(route: key.route, method: key.method, status: key.status)] =
                Recent(route: key.route, method: key.method, status: key.status, cells: cells)
        }
    }

    struct CounterCache: Sendable {
        struct ParamKey: Hashable, Sendable {
            var route: String
            var param: String
            var reason: ParameterFailureReason
        }

        struct PanicKey: Hashable, Sendable {
            var route: String
            var errorType: String
        }

        var params: [ParamKey: Counter] = [:]
        var panics: [PanicKey: Counter] = [:]
    }
}
