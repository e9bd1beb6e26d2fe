import Locking
/// Orphans: tasks still alive when the request they were started for has ended.
///
/// Every child a request spawns, and every task those children spawn, is registered in the
/// request's shard and listed with the request (a doubly linked list threaded through the
/// general slots, so adding and removing are O(1) under the lock the entry takes anyway).
/// When the request's entry ends, whatever is still on its list is marked orphaned on the
/// spot: no scan, no threshold, and a request without live descendants pays one compare.
///
/// A task spawned `detached` (meant to outlive its request) is never listed, so never an
/// orphan; it and its own children still carry the request's attribution.
extension TaskRegistry {
    /// Registers a child of `parent` (a token of this registry): in the parent's shard, with
    /// the parent's request attribution, and listed with that request unless `detached`.
    /// A child of an orphan is an orphan from birth.
    func register(name: consuming String, parent: TaskToken, labels: consuming TaskLabels, site: TaskSite,
                  detached: Bool) -> TaskToken {
        let shard = parent.id.shard
        let now = TaskInstant.now
        let backtrace = backtraceImages == nil ? nil : TaskBacktrace.capture(images: backtraceImages.unsafelyUnwrapped)
        var info: TaskInfo? = TaskInfo(id: TaskID(shard: shard, sequence: 0), parent: parent.id, name: name, site: site,
                                       labels: labels, state: .running, createdAt: now, stateChangedAt: now,
                                       backtrace: backtrace, isDetached: detached)
        let (slot, generation, id) = shards[shard].storage.withLock { storage in
            let inherited = storage.inheritance(from: parent, now: now)
            let id = storage.nextID(shard: shard)
            info!.id = id
            info!.attribution = inherited.attribution
            if !detached { info!.orphaning = inherited.orphaning }
            let (slot, generation) = storage.insert(info.take().unsafelyUnwrapped)
            if !detached { storage.adopt(slot: Int(slot), request: inherited.request) }
            return (slot, generation, id)
        }
        return TaskToken(id: id, registry: self, slot: slot, generation: generation)
    }

    /// Live orphans per task name, sorted by name, for the `tasks_orphaned` gauge. Every
    /// name ever registered appears, with 0 when none is an orphan now.
    public func orphanGauges() -> [(name: String, count: Int)] {
        mergedNameCounters { $0.orphaned }.map { (name: $0.name, count: Int($0.count)) }
    }

    /// Entries that ever became orphans, per task name, for `tasks_orphaned_total`.
    public func orphanedTotals() -> [(name: String, count: UInt64)] {
        mergedNameCounters { UInt64($0.orphanedTotal) }
    }

    /// The live orphans, across all shards.
    public var liveOrphanCount: Int {
        orphanGauges().reduce(0) { $0 + $1.count }
    }

    /// One counter of every name's counters, summed over the shards, sorted by name.
    func mergedNameCounters<Count: BinaryInteger>(_ value: (TaskNameCounters) -> Count) -> [(name: String, count: Count)] {
        var merged: [String: Count] = [:]
        for shard in shards {
            shard.storage.withLock { storage in
                for counters in storage.names { merged[counters.name, default: 0] += value(counters) }
            }
        }
        return merged.sorted { $0.key < $1.key }.map { (name: $0.key, count: $0.value) }
    }
}

/// What a new child takes from its parent.
struct TaskInheritance {
    /// The request slot to list the child with, or -1.
    var request: Int32 = -1
    var attribution: TaskAttribution?
    var orphaning: TaskOrphaning?
}

extension TaskShardStorage {
    /// The parent's request (when it is still live), attribution and orphaning. A parent
    /// that has ended already gives nothing: its token is stale, and the slot may be reused.
    func inheritance(from parent: TaskToken, now: TaskInstant) -> TaskInheritance {
        if parent.isRequest {
            let slot = parent.requestSlot
            guard slot < requests.count, requests[slot].isLive, requests[slot].generation == parent.generation else {
                return TaskInheritance()
            }
            return TaskInheritance(request: Int32(slot), attribution: requests[slot].attribution)
        }
        let slot = Int(parent.slot)
        guard slot < slots.count, slots[slot].isLive, slots[slot].generation == parent.generation else {
            return TaskInheritance()
        }
        let info = slots[slot].info
        // Born of an orphan: the request is gone already, so this one is orphaned now.
        let orphaning = info.orphaning.map { TaskOrphaning(orphanedAt: now, requestStatus: $0.requestStatus) }
        return TaskInheritance(request: slots[slot].request, attribution: info.attribution, orphaning: orphaning)
    }

    /// Lists a new entry with its request's live descendants, or counts it as an orphan.
    mutating func adopt(slot: Int, request: Int32) {
        if slots[slot].info.orphaning != nil {
            let name = Int(slots[slot].nameIndex)
            names[name].orphaned += 1
            names[name].orphanedTotal &+= 1
        }
        guard request >= 0 else { return }
        let head = requests[Int(request)].descendants
        slots[slot].request = request
        slots[slot].previousDescendant = -1
        slots[slot].nextDescendant = head
        if head >= 0 { slots[Int(head)].previousDescendant = Int32(slot) }
        requests[Int(request)].descendants = Int32(slot)
    }

    /// Takes an ending entry off its request's list.
    mutating func unlinkDescendant(_ slot: Int) {
        let previous = slots[slot].previousDescendant, next = slots[slot].nextDescendant
        if previous >= 0 {
            slots[Int(previous)].nextDescendant = next
        } else {
            requests[Int(slots[slot].request)].descendants = next
        }
        if next >= 0 { slots[Int(next)].previousDescendant = previous }
        slots[slot].request = -1
        slots[slot].previousDescendant = -1
        slots[slot].nextDescendant = -1
    }

    /// The request in `slot` is ending: each descendant still on its list becomes an
    /// orphan, stamped now with the request's status, and leaves the list.
    mutating func orphanDescendants(ofRequest slot: Int, status: UInt16) {
        let orphaning = TaskOrphaning(orphanedAt: .now, requestStatus: status)
        var descendant = requests[slot].descendants
        while descendant >= 0 {
            let index = Int(descendant)
            descendant = slots[index].nextDescendant
            slots[index].info.orphaning = orphaning
            slots[index].request = -1
            slots[index].previousDescendant = -1
            slots[index].nextDescendant = -1
            let name = Int(slots[index].nameIndex)
            names[name].orphaned += 1
            names[name].orphanedTotal &+= 1
        }
        requests[slot].descendants = -1
    }
}
