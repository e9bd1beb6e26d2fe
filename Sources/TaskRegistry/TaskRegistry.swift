import Locking
/// The service's own list of live tasks: every connection, request and child task that
/// the service starts is registered here, and `/debug/tasks` renders it.
///
/// Swift has no in-process way to enumerate tasks, so work is registered explicitly,
/// through `spawn` or `register`/`end`. Registration takes only the lock of the calling
/// event loop's shard (one shard per loop, plus an overflow shard for threads that are
/// not loops), so loops never contend with each other; readers merge the shards, copying
/// one shard at a time and rendering outside every lock.
public final class TaskRegistry: Sendable {
    let shards: [TaskShard]
    let captureBacktraces: Bool
    let currentShard: @Sendable () -> Int?
    let backtraceImages: TaskBacktrace.Images?

    /// The entry bound to the current task by `spawn` or `withCurrent` (inherited by the
    /// tasks it creates). `current` reads this first.
    @TaskLocal static var bound: TaskToken?

    /// Creates a registry.
    ///
    /// - Parameters:
    ///   - shardCount: the number of event loops; one more shard is added for callers
    ///     outside any loop.
    ///   - captureBacktraces: record a creation backtrace per entry (costly: microseconds
    ///     per registration); symbolicated only when rendered.
    ///   - currentShard: which shard the calling thread should use, such as
    ///     `{ EventLoop.current?.index }`; `nil` or out of range selects the overflow shard.
    public init(shardCount: Int, captureBacktraces: Bool = false, currentShard: @escaping @Sendable () -> Int?) {
        precondition(shardCount >= 0 && shardCount < Int(UInt16.max), "shardCount out of range")
        shards = (0...shardCount).map { _ in TaskShard() }
        self.captureBacktraces = captureBacktraces
        self.currentShard = currentShard
        backtraceImages = captureBacktraces ? TaskBacktrace.Images() : nil
        Self.enter(self)
    }

    deinit {
        Self.leave(self)
    }

    /// The number of loop shards (the overflow shard is index `shardCount`).
    public var shardCount: Int { shards.count - 1 }

    @inline(__always)
    var shardIndexForCaller: Int {
        let overflow = shards.count - 1
        guard let index = currentShard(), index >= 0, index < overflow else { return overflow }
        return index
    }

    /// Records a new running entry and returns its token. Call `end` when the work ends.
    public func register(name: consuming String, parent: TaskID?, labels: consuming TaskLabels, site: TaskSite) -> TaskToken {
        let shard = shardIndexForCaller
        let now = TaskInstant.now
        let backtrace = backtraceImages == nil ? nil : TaskBacktrace.capture(images: backtraceImages.unsafelyUnwrapped)
        // Built outside the lock and moved in through an optional, so the strings are not
        // retained again on the way into the slab.
        var info: TaskInfo? = TaskInfo(id: TaskID(shard: shard, sequence: 0), parent: parent, name: name, site: site,
                                       labels: labels, state: .running, createdAt: now, stateChangedAt: now,
                                       backtrace: backtrace)
        let (slot, generation, id) = shards[shard].storage.withLock { storage in
            let id = storage.nextID(shard: shard)
            info!.id = id
            let (slot, generation) = storage.insert(info.take().unsafelyUnwrapped)
            return (slot, generation, id)
        }
        return TaskToken(id: id, registry: self, slot: slot, generation: generation)
    }

    /// Sets the state of a live entry and stamps the change; ignored once the entry ended.
    public func setState(_ token: TaskToken, _ state: TaskState) {
        let now = TaskInstant.now
        shards[token.id.shard].storage.withLock {
            if token.isRequest {
                $0.setRequestState(slot: token.requestSlot, generation: token.generation, state, now: now)
            } else {
                $0.setState(slot: token.slot, generation: token.generation, state, now: now)
            }
        }
    }

    /// The labels of a live entry, or `nil` once it ended (for log metadata; takes the
    /// entry's shard lock, so not for every request).
    public func labels(of token: TaskToken) -> TaskLabels? {
        shards[token.id.shard].storage.withLock { storage in
            if token.isRequest { return storage.requestLabels(slot: token.requestSlot, generation: token.generation) }
            let index = Int(token.slot)
            guard index < storage.slots.count, storage.slots[index].isLive,
                  storage.slots[index].generation == token.generation else { return nil }
            // With the request's attribution, so a child's log lines carry its request id.
            return storage.readerInfo(slot: index).labels
        }
    }

    /// Removes the entry. Ending twice, or a token from another registry's slot, is ignored.
    /// A request's live descendants become orphans of a request without a status.
    public func end(_ token: TaskToken) {
        end(token, status: 0)
    }

    /// Removes the entry; for a request's entry (`registerRequest`), with the status it
    /// answered: tasks it started that are still alive become orphans and keep that status.
    public func end(_ token: TaskToken, status: UInt16) {
        shards[token.id.shard].storage.withLock {
            if token.isRequest {
                $0.removeRequest(slot: token.requestSlot, generation: token.generation, status: status)
            } else {
                $0.remove(slot: token.slot, generation: token.generation)
            }
        }
    }

    /// The number of live entries.
    public var liveCount: Int {
        shards.reduce(0) { total, shard in total + shard.storage.withLock { $0.liveCount } }
    }

    /// A point in registration order, for `snapshot(since:)`.
    public struct Mark: Sendable {
        let nextSequences: [UInt64]
    }

    /// The current position of every shard's id counter.
    public func mark() -> Mark {
        Mark(nextSequences: shards.map { shard in shard.storage.withLock { $0.nextSequence } })
    }

    /// Slots copied per lock hold when taking a snapshot.
    static let snapshotSlice = 1024

    /// Copies the live entries, one shard and one slice of slots at a time; with `mark`,
    /// only entries registered after it.
    public func snapshot(since mark: Mark? = nil) -> TaskSnapshot {
        var tasks: [TaskInfo] = []
        // Sized outside the locks, so each lock is held only for the copy itself.
        tasks.reserveCapacity(liveCount + 64)
        for (index, shard) in shards.enumerated() {
            let since = mark?.nextSequences[index] ?? 0  // lookup-lint: allow — no mark: every live entry, from sequence 0
            // A slice at a time, so a loop registering a request never waits for a whole
            // 100,000-entry copy (a snapshot is not atomic anyway, as in Go's profile).
            var next: Int? = 0
            while let start = next {
                next = shard.storage.withLock { $0.copyLive(into: &tasks, sinceSequence: since, from: start, count: Self.snapshotSlice) }
            }
            next = 0
            while let start = next {
                next = shard.storage.withLock {
                    $0.copyLiveRequests(into: &tasks, sinceSequence: since, shard: index, from: start, count: Self.snapshotSlice)
                }
            }
        }
        return TaskSnapshot(tasks: tasks, takenAt: .now)
    }

    /// Slot accounting per shard (both slabs together), for leak checks in tests.
    func slotCounts() -> [(slots: Int, free: Int, live: Int)] {
        shards.map { shard in
            shard.storage.withLock {
                ($0.slots.count + $0.requests.count, $0.freeSlotCount() + $0.freeRequestSlotCount(), $0.liveCount)
            }
        }
    }
}
