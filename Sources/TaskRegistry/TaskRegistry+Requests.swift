import Locking
/// In-flight requests, the registry's hottest kind of entry, kept as plain values.
///
/// A general entry is a `TaskInfo` (a name looked up in the shard's counters, up to six
/// label strings, a backtrace slot) copied into the slab and destroyed when its slot is
/// reused: about 0.4 µs per request on /plaintext, most of the chain's cost. A request
/// entry is a fixed record (route, request id, stream id, state, times) in a slab of its
/// own, with its name counters found by a cached index; it becomes a `TaskInfo` only when
/// someone reads the registry. Both kinds share the shard's id sequence and lock.
///
/// A request entry also remembers the Swift task that registered it, so that
/// `TaskRegistry.current` finds it from inside that task without a task-local binding
/// (binding one cost each request about as much as its whole registry entry).
extension TaskRegistry {
    /// The name every request entry has.
    public static let requestTaskName = "request"

    /// Registers an in-flight request, labelled `route`, `request_id`, `trace_id` when the
    /// request is traced (`traceID` not `.none`) and, for an HTTP/2 stream (`streamID` not 0),
    /// `stream_id`, as `register(name: "request", parent: nil, labels: …, site:)` would, at a
    /// fraction of the cost. Called from the request's own task, the entry is that task's
    /// `TaskRegistry.current` until it ends.
    public func registerRequest(route: String, requestID: String, streamID: UInt32, site: TaskSite,
                                traceID: TaskTraceID = .none) -> TaskToken {
        registerRequest(route: route, requestID: requestID, streamID: streamID, site: site,
                        task: withUnsafeCurrentTask { $0.map(TaskIdentity.init) }, traceID: traceID)
    }

    /// The same, for a caller that knows its task: `nil` for a request answered without
    /// one (looking the current task up costs thread-local reads through the runtime).
    /// `loop` is the index of the loop that received the request, whose shard the entry
    /// goes to when there is one: asking `currentShard` for it read a thread-local and
    /// retained the loop, per request.
    package func registerRequest(route: String, requestID: String, streamID: UInt32, site: TaskSite, task: TaskIdentity?,
                         loop: Int? = nil, traceID: TaskTraceID = .none) -> TaskToken {
        let shard = loop.flatMap { $0 >= 0 && $0 < shardCount ? $0 : nil } ?? shardIndexForCaller
        let now = TaskInstant.now
        let backtrace = backtraceImages == nil ? nil : TaskBacktrace.capture(images: backtraceImages.unsafelyUnwrapped)
        let (slot, generation, id) = shards[shard].storage.withLock { storage in
            storage.insertRequest(route: route, requestID: requestID, streamID: streamID, site: site, now: now, shard: shard,
                                  task: task, backtrace: backtrace, traceID: traceID)
        }
        return TaskToken(id: id, registry: self, slot: slot | TaskToken.requestSlotFlag, generation: generation)
    }
}

extension TaskRegistry {
    /// The live request entries (registered by `registerRequest`), across all shards.
    public var liveRequestCount: Int {
        shards.reduce(0) { total, shard in
            total + shard.storage.withLock { storage in
                storage.requestNameIndex < 0 ? 0
                    : storage.names[storage.requestNameIndex].running + storage.names[storage.requestNameIndex].waiting
            }
        }
    }
}

extension TaskToken {
    /// Set in `slot` when the entry lives in the shard's request slab.
    static let requestSlotFlag: UInt32 = 1 << 31

    var isRequest: Bool { slot & Self.requestSlotFlag != 0 }
    var requestSlot: Int { Int(slot & ~Self.requestSlotFlag) }
}

/// One slot of a shard's request slab.
struct RequestSlot {
    var route: String
    var requestID: String
    var site: TaskSite
    var sequence: UInt64
    var state: TaskState
    var createdAt: TaskInstant
    var stateChangedAt: TaskInstant
    var streamID: UInt32
    /// The request's trace, when it is sampled (numbers: the hex is made when read).
    var traceID: TaskTraceID
    /// The task that registered the entry, while the entry lives.
    var task: TaskIdentity?
    var backtrace: TaskBacktrace?
    /// Bumped when the entry ends, so a stale token never touches a reused slot.
    var generation: UInt32
    var isLive: Bool
    /// The next free slot, or -1; meaningful only while the slot is free.
    var nextFree: Int32
    /// The first of the general slots listing this request's live descendants, or -1:
    /// they become orphans if the request ends first (TaskRegistry+Orphans.swift).
    var descendants: Int32 = -1

    /// The attribution every task the request spawns inherits.
    var attribution: TaskAttribution { TaskAttribution(route: route, requestID: requestID, traceID: traceID) }

    static func labels(route: String, requestID: String, streamID: UInt32, traceID: TaskTraceID) -> TaskLabels {
        var labels = TaskLabels()  // up to three pairs are stored inline, without allocating
        labels.append("route", route)
        labels.append("request_id", requestID)
        // The trace shows the request's spans; this label finds the trace from a leak.
        if !traceID.isNone { labels.append("trace_id", traceID.hex) }
        // An HTTP/2 stream is a request of its own; its id finds it in an h2 trace.
        if streamID != 0 { labels.append("stream_id", String(streamID)) }
        return labels
    }

    /// The entry as the registry's readers see every entry.
    func info(shard: Int) -> TaskInfo {
        TaskInfo(id: TaskID(shard: shard, sequence: sequence), parent: nil, name: TaskRegistry.requestTaskName, site: site,
                 labels: Self.labels(route: route, requestID: requestID, streamID: streamID, traceID: traceID),
                 state: state, createdAt: createdAt, stateChangedAt: stateChangedAt, backtrace: backtrace)
    }
}

extension TaskShardStorage {
    /// Stores a request entry in a free request slot or a new one.
    mutating func insertRequest(route: String, requestID: String, streamID: UInt32, site: TaskSite, now: TaskInstant,
                                shard: Int, task: TaskIdentity?, backtrace: TaskBacktrace?, traceID: TaskTraceID = .none)
        -> (slot: UInt32, generation: UInt32, id: TaskID) {
        let id = nextID(shard: shard)
        nextSequence &+= 1
        if requestNameIndex < 0 { requestNameIndex = index(ofName: TaskRegistry.requestTaskName) }
        names[requestNameIndex].spawned &+= 1
        names[requestNameIndex].running += 1
        liveCount += 1
        if requestFreeHead >= 0 {
            let slot = Int(requestFreeHead)
            requestFreeHead = requests[slot].nextFree
            // Field by field: the strings are the only members that retain anything, and a
            // slot usually served the same route last time (the same string object: the
            // router's template), so the compare skips a retain and a release.
            if requests[slot].route != route { requests[slot].route = route }
            requests[slot].requestID = requestID
            requests[slot].traceID = traceID
            requests[slot].site = site
            requests[slot].sequence = id.sequence
            requests[slot].state = .running
            requests[slot].createdAt = now
            requests[slot].stateChangedAt = now
            requests[slot].streamID = streamID
            requests[slot].task = task
            if backtrace != nil || requests[slot].backtrace != nil { requests[slot].backtrace = backtrace }
            requests[slot].isLive = true
            return (UInt32(slot), requests[slot].generation, id)
        }
        precondition(requests.count < Int(TaskToken.requestSlotFlag), "request slab full")
        requests.append(RequestSlot(route: route, requestID: requestID, site: site, sequence: id.sequence, state: .running,
                                    createdAt: now, stateChangedAt: now, streamID: streamID, traceID: traceID, task: task,
                                    backtrace: backtrace, generation: 0, isLive: true, nextFree: -1))
        return (UInt32(requests.count - 1), 0, id)
    }

    mutating func setRequestState(slot: Int, generation: UInt32, _ state: TaskState, now: TaskInstant) {
        guard slot < requests.count, requests[slot].generation == generation, requests[slot].isLive else { return }
        countStateChange(nameIndex: requestNameIndex, from: requests[slot].state, to: state)
        requests[slot].state = state
        requests[slot].stateChangedAt = now
    }

    /// Frees the slot; its strings stay until the slot is reused, as in the general slab.
    /// Descendants still alive become orphans of a request that answered `status`.
    mutating func removeRequest(slot: Int, generation: UInt32, status: UInt16 = 0) {
        guard slot < requests.count, requests[slot].generation == generation, requests[slot].isLive else { return }
        countEnd(nameIndex: requestNameIndex, state: requests[slot].state)
        if requests[slot].descendants >= 0 { orphanDescendants(ofRequest: slot, status: status) }
        requests[slot].isLive = false
        requests[slot].task = nil
        requests[slot].generation &+= 1
        requests[slot].nextFree = requestFreeHead
        requestFreeHead = Int32(slot)
    }

    /// The live request entry registered by `task`, as (slot, generation, id).
    func request(of task: TaskIdentity, shard: Int) -> (slot: UInt32, generation: UInt32, id: TaskID)? {
        for index in requests.indices where requests[index].isLive && requests[index].task == task {
            return (UInt32(index), requests[index].generation, TaskID(shard: shard, sequence: requests[index].sequence))
        }
        return nil
    }

    func requestLabels(slot: Int, generation: UInt32) -> TaskLabels? {
        guard slot < requests.count, requests[slot].isLive, requests[slot].generation == generation else { return nil }
        return RequestSlot.labels(route: requests[slot].route, requestID: requests[slot].requestID,
                                  streamID: requests[slot].streamID, traceID: requests[slot].traceID)
    }

    /// Copies the live request entries of up to `count` slots from `start`, as
    /// `copyLive(into:sinceSequence:from:count:)` does for general entries.
    func copyLiveRequests(into out: inout [TaskInfo], sinceSequence: UInt64, shard: Int, from start: Int, count: Int) -> Int? {
        let end = min(requests.count, start + count)
        var index = start
        while index < end {
            if requests[index].isLive && requests[index].sequence >= sinceSequence {
                out.append(requests[index].info(shard: shard))
            }
            index += 1
        }
        return end < requests.count ? end : nil
    }

    /// The number of free request slots, by walking the free list.
    func freeRequestSlotCount() -> Int {
        Self.freeListLength(head: requestFreeHead) { requests[$0].nextFree }
    }
}

/// A Swift task's address, for telling tasks apart: never dereferenced, and compared only
/// while the task is known to run (a request entry lives no longer than its task).
package struct TaskIdentity: Hashable, Sendable {
    let address: UInt

    package init(_ task: UnsafeCurrentTask) {
        precondition(MemoryLayout<UnsafeCurrentTask>.size == MemoryLayout<UInt>.size, "UnsafeCurrentTask is one pointer")
        address = unsafeBitCast(task, to: UInt.self)
    }
}
