import Synchronization
import Testing
@testable import TaskRegistry

@Suite("TaskRegistry under concurrency")
struct TaskRegistryConcurrencyTests {
    /// Shared between the writers' group and the reader, so it lives in a class.
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test func tenThousandCyclesLeaveNothingBehind() async {
        let counter = Atomic<Int>(0)
        // Spreads calls over shards 0-3 and the overflow shard (4 is out of range).
        let registry = TaskRegistry(shardCount: 4, currentShard: {
            let value = counter.wrappingAdd(1, ordering: .relaxed).oldValue % 5
            return value == 4 ? nil : value
        })
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<50 {
                group.addTask {
                    for cycle in 0..<200 {
                        let token: TaskToken
                        if worker % 2 == 0 {  // half through the request slab, half as general entries
                            token = registry.registerRequest(route: "/r\(worker % 3)", requestID: "\(worker)-\(cycle)",
                                                             streamID: 0, site: TaskSite())
                        } else {
                            var labels = TaskLabels()
                            labels.append("route", "/r\(worker % 3)")
                            labels.append("request_id", "\(worker)-\(cycle)")
                            token = registry.register(name: "request", parent: nil, labels: labels, site: TaskSite())
                        }
                        registry.setState(token, .waiting("stock-reply"))
                        if cycle % 7 == 0 { await Task.yield() }
                        registry.setState(token, .running)
                        registry.end(token)
                    }
                }
            }
        }
        #expect(registry.liveCount == 0)
        let counts = registry.slotCounts()
        #expect(counts.allSatisfy { $0.free == $0.slots && $0.live == 0 })
        #expect(counts.map(\.slots).reduce(0, +) <= 50 * 5)  // slots are reused, not grown per cycle
        #expect(registry.spawnedTotals().first?.count == 10_000)
        #expect(registry.gauges().allSatisfy { $0.count == 0 })
    }

    @Test func snapshotsDuringChurnAreConsistent() async {
        let registry = TaskRegistry(shardCount: 2, currentShard: { Int.random(in: 0...2) })
        let done = Flag()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for cycle in 0..<2_000 {
                        // Every field derives from the name, so a torn copy would show.
                        let name = "w\(worker)-\(cycle)"
                        let token = registry.register(name: name, parent: nil,
                                                      labels: TaskLabels([("n", name), ("request_id", name)]), site: TaskSite())
                        registry.setState(token, .waiting(name))
                        registry.end(token)
                    }
                }
            }
            group.addTask {
                var rounds = 0
                while !done.value.load(ordering: .relaxed) || rounds < 5 {
                    let snapshot = registry.snapshot()
                    for task in snapshot.tasks {
                        #expect(task.labels["n"] == task.name)
                        #expect(task.labels["request_id"] == task.name)
                        if let reason = task.state.waitReason { #expect(reason == task.name) }
                        #expect(task.stateChangedAt >= task.createdAt)
                        #expect(snapshot.takenAt >= task.createdAt)
                    }
                    _ = TaskProfile.render(TaskProfileQuery(debug: 2), snapshot: snapshot)
                    rounds += 1
                    await Task.yield()
                }
            }
            // Stop the reader once the writers are done.
            for _ in 0..<8 { await group.next() }
            done.value.store(true, ordering: .relaxed)
        }
        #expect(registry.liveCount == 0)
    }
}
