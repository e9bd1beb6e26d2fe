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
    /// A child of an orphan is an orphan from birth. `spawn` calls this; call it directly for
    /// work that runs outside a Swift task of its own, and `end` the token when it ends.
    public func register(name: consuming String, parent: TaskToken, labels: consuming TaskLabels, site: TaskSite,
                  detached: Bool) -> TaskToken {
        let shard = parent.id.shard
        let now = TaskInstant.now
        let backtrace = backtraceImages == nil ? nil : TaskBacktrace.capture(images: backtraceImages.unsafelyUnwrapped)
        var info: TaskInfo? = TaskInfo(id: TaskID(shard: shard, sequence: 0), parent: parent.id, name: name, site: site,
                                       labels: labels, state: .running, createdAt: now, stateChangedAt: now,
                                       backtrace: backtrace, isDetached: detached)
        let (slot, generation, id) = shards[shard].storage.withLock { storage in
            let id = storage.nextID(shard: shard)
            info!.id = id
            // The common case, a child of a live request or of one of its listed children:
            // listed with the request, whose attribution is read from its slot while the child
            // is listed and copied only if it becomes an orphan (orphanDescendants).
            let request = detached ? -1 : storage.liveRequest(of: parent)
            if request < 0 {
                let inherited = storage.inheritance(from: parent, now: now, detached: detached)
                if inherited.attribution != nil || inherited.orphaning != nil {
                    info!.lineage = TaskLineage.make(attribution: inherited.attribution, orphaning: inherited.orphaning,
                                                     isDetached: detached)
                }
            }
            let (slot, generation) = storage.insert(info.take().unsafelyUnwrapped)
            storage.adopt(slot: Int(slot), request: request)
            return (slot, generation, id)
        }
        return TaskToken(id: id, registry: self, slot: slot, generation: generation)
    }

    /// Live orphans per task name, sorted by name, for the `tasks_orphaned` gauge. Every
    /// name ever registered appears, with 0 when none is an orphan now.
    public func orphanGauges() -> [(name: String, count: Int)] {
        mergedNameCounters { $0.orphaned }.map { (name: $0.name, count: Int($0.count)) }
    }

    /// Entries that ever became orphans, per task name, for `tasks_orphans_total`.
    public func orphanedTotals() -> [(name: String, count: UInt64)] {
        mergedNameCounters { $0.orphanedTotal }
    }

    /// The live orphans, across all shards.
    public var liveOrphanCount: Int {
        orphanGauges().reduce(0) { $0 + $1.count }
    }

    /// One counter of every name's counters, summed over the shards, sorted by name (the
    /// per-name metrics: spawned, orphaned, orphaned in all).
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

/// What a child that is not listed with a live request takes from its parent.
struct TaskInheritance {
    var attribution: TaskAttribution?
    var orphaning: TaskOrphaning?
}

extension TaskShardStorage {
    /// The live request slot that `parent` (a request, or a child listed with one) belongs
    /// to, or -1. A stale token gives -1: its slot may have been reused.
    @inline(__always)
    func liveRequest(of parent: TaskToken) -> Int32 {
        if parent.isRequest {
            let slot = parent.requestSlot
            guard slot < requests.count, requests[slot].isLive, requests[slot].generation == parent.generation else { return -1 }
            return Int32(slot)
        }
        let slot = Int(parent.slot)
        guard slot < slots.count, slots[slot].isLive, slots[slot].generation == parent.generation else { return -1 }
        return slots[slot].request
    }

    /// For a child that is not listed: a copy of the attribution (from the live request
    /// for a detached child, else from its parent's own copy), and for a child of an orphan,
    /// its orphaning, now.
    func inheritance(from parent: TaskToken, now: TaskInstant, detached: Bool) -> TaskInheritance {
        let request = liveRequest(of: parent)
        if request >= 0 { return TaskInheritance(attribution: requests[Int(request)].attribution) }
        guard !parent.isRequest else { return TaskInheritance() }  // a request that has ended
        let slot = Int(parent.slot)
        guard slot < slots.count, slots[slot].isLive, slots[slot].generation == parent.generation else {
            return TaskInheritance()
        }
        var inherited = TaskInheritance(attribution: slots[slot].info.attribution)
        // Born of an orphan: the request is gone already, so this one is orphaned now.
        if !detached, let orphaning = slots[slot].info.orphaning {
            inherited.orphaning = TaskOrphaning(orphanedAt: now, requestStatus: orphaning.requestStatus)
        }
        return inherited
    }

    /// The attribution of the entry in general slot `slot`: its own copy, or while it is
    /// listed with a live request, that request's.
    func attribution(ofSlot slot: Int) -> TaskAttribution? {
        if let attribution = slots[slot].info.attribution { return attribution }
        let request = slots[slot].request
        return request >= 0 ? requests[Int(request)].attribution : nil
    }

    /// The entry in general slot `slot` as readers see it: the attribution shown as labels.
    func readerInfo(slot: Int) -> TaskInfo {
        var copy = slots[slot].info
        if let own = copy.lineage?.attribution {
            copy.labels = own.appended(to: copy.labels)
        } else if slots[slot].request >= 0 {
            let attribution = requests[Int(slots[slot].request)].attribution
            copy.labels = attribution.appended(to: copy.labels)
            copy.attribution = attribution
        }
        return copy
    }

    /// Lists a new entry with its request's live descendants, and counts it if it is born
    /// an orphan. The list is updated through buffer pointers: one uniqueness check per
    /// array instead of one per field written.
    mutating func adopt(slot: Int, request: Int32) {
        if slots[slot].info.lineage?.orphaning != nil {
            let name = Int(slots[slot].nameIndex)
            names[name].orphaned += 1
            names[name].orphanedTotal &+= 1
        }
        guard request >= 0 else { return }
        slots.withUnsafeMutableBufferPointer { slots in
            requests.withUnsafeMutableBufferPointer { requests in
                let head = requests[Int(request)].descendants
                slots[slot].request = request
                slots[slot].previousDescendant = -1
                slots[slot].nextDescendant = head
                if head >= 0 { slots[Int(head)].previousDescendant = Int32(slot) }
                requests[Int(request)].descendants = Int32(slot)
            }
        }
    }

    /// Takes an ending entry off its request's list.
    mutating func unlinkDescendant(_ slot: Int) {
        slots.withUnsafeMutableBufferPointer { slots in
            requests.withUnsafeMutableBufferPointer { requests in
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
        }
    }

    /// The request in `slot` is ending: each descendant still on its list becomes an
    /// orphan, stamped now with the request's status, and leaves the list.
    mutating func orphanDescendants(ofRequest slot: Int, status: UInt16) {
        let orphaning = TaskOrphaning(orphanedAt: .now, requestStatus: status)
        // The request's slot is about to be reused: each orphan keeps a copy of its attribution.
        let attribution = requests[slot].attribution
        var descendant = requests[slot].descendants
        while descendant >= 0 {
            let index = Int(descendant)
            descendant = slots[index].nextDescendant
            slots[index].info.lineage = TaskLineage.make(attribution: attribution, orphaning: orphaning,
                                                         isDetached: false)
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
