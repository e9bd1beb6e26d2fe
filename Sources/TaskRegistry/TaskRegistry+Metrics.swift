import Locking
/// The number of live tasks with one name in one state, for the `tasks_active` gauge.
public struct TaskGauge: Sendable, Hashable {
    public var name: String
    /// `running` or `waiting`: never the wait reason, which would multiply label values.
    public var state: String
    public var count: Int

    public init(name: String, state: String, count: Int) {
        self.name = name
        self.state = state
        self.count = count
    }
}

extension TaskRegistry {
    /// Live counts per (name, `running`/`waiting`), sorted by name then state. Every name
    /// ever registered appears in both states, with 0 when none are live, so an exporter
    /// that sets gauges from this list also resets them.
    public func gauges() -> [TaskGauge] {
        var merged: [String: (running: Int, waiting: Int)] = [:]
        for shard in shards {
            shard.storage.withLock { storage in
                for counters in storage.names {
                    merged[counters.name, default: (0, 0)].running += counters.running
                    merged[counters.name, default: (0, 0)].waiting += counters.waiting
                }
            }
        }
        return merged.sorted { $0.key < $1.key }.flatMap { name, counts in
            [TaskGauge(name: name, state: "running", count: counts.running),
             TaskGauge(name: name, state: "waiting", count: counts.waiting)]
        }
    }

    /// Registrations per name since the registry was made (monotonic), sorted by name,
    /// for the `tasks_spawned_total` counter.
    public func spawnedTotals() -> [(name: String, count: UInt64)] {
        mergedNameCounters { $0.spawned }
    }
}
