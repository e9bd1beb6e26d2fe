import Locking
/// One slot of a shard's slab: a live entry, or a free slot on the free list.
struct TaskSlot {
    var info: TaskInfo
    var nameIndex: UInt32
    /// Bumped when the entry ends, so a stale token never touches a reused slot.
    var generation: UInt32
    var isLive: Bool
    /// The next free slot, or -1; meaningful only while the slot is free.
    var nextFree: Int32
    /// The request slot (same shard) whose live descendants this entry is listed with, or
    /// -1: none, detached, or the request has ended (then `info.orphaning` says so).
    var request: Int32 = -1
    /// The neighbours in that request's list of live descendants (TaskRegistry+Orphans.swift).
    var previousDescendant: Int32 = -1
    var nextDescendant: Int32 = -1
}

/// Live counts and the spawn counter for one task name within one shard.
struct TaskNameCounters {
    var name: String
    var spawned: UInt64 = 0
    var running = 0
    var waiting = 0
    /// Live entries whose request ended before them, and every entry that ever became one.
    var orphaned = 0
    var orphanedTotal: UInt64 = 0
}

/// One shard: a slab of entries plus a free list, and per-name counters. Everything is
/// indexed by slot or by a small name index; nothing on the hot path hashes an id.
struct TaskShardStorage: ~Copyable {
    var slots: [TaskSlot] = []
    var freeHead: Int32 = -1
    var liveCount = 0
    var nextSequence: UInt64 = 1
    var names: [TaskNameCounters] = []
    /// Used once there are more names than a linear scan should walk.
    var nameLookup: [String: Int] = [:]
    /// In-flight requests (TaskRegistry+Requests.swift), with their own free list.
    var requests: [RequestSlot] = []
    var requestFreeHead: Int32 = -1
    /// The index of "request" in `names`, found at the first request.
    var requestNameIndex = -1

    mutating func index(ofName name: String) -> Int {
        // Task names are few (connection, request, a handful of child kinds): a scan that
        // compares lengths first beats hashing the string.
        if names.count <= 16 {
            let length = name.utf8.count
            for index in names.indices where names[index].name.utf8.count == length && names[index].name == name {
                return index
            }
            if names.count < 16 {
                names.append(TaskNameCounters(name: name))
                return names.count - 1
            }
            // Crossing the threshold: index every name from now on.
            for index in names.indices { nameLookup[names[index].name] = index }
        }
        if let index = nameLookup[name] { return index }
        names.append(TaskNameCounters(name: name))
        nameLookup[name] = names.count - 1
        return names.count - 1
    }

    /// The id the next entry will get.
    func nextID(shard: Int) -> TaskID { TaskID(shard: shard, sequence: nextSequence) }

    /// Stores `info` (moved in: its id must be `nextID`) in a free slot or a new one.
    mutating func insert(_ info: consuming TaskInfo) -> (slot: UInt32, generation: UInt32) {
        nextSequence &+= 1
        let nameIndex = index(ofName: info.name)
        names[nameIndex].spawned &+= 1
        names[nameIndex].running += 1
        liveCount += 1
        if freeHead >= 0 {
            let slot = Int(freeHead)
            freeHead = slots[slot].nextFree
            // Overwriting releases the previous occupant's strings (kept until now, so
            // `end` does no releasing at all).
            slots[slot].info = info
            slots[slot].nameIndex = UInt32(nameIndex)
            slots[slot].isLive = true
            slots[slot].request = -1
            return (UInt32(slot), slots[slot].generation)
        }
        slots.append(TaskSlot(info: info, nameIndex: UInt32(nameIndex), generation: 0, isLive: true, nextFree: -1))
        return (UInt32(slots.count - 1), 0)
    }

    mutating func setState(slot: UInt32, generation: UInt32, _ state: TaskState, now: TaskInstant) {
        let slot = Int(slot)
        guard slot < slots.count, slots[slot].generation == generation, slots[slot].isLive else { return }
        countStateChange(nameIndex: Int(slots[slot].nameIndex), from: slots[slot].info.state, to: state)
        slots[slot].info.state = state
        slots[slot].info.stateChangedAt = now
    }

    /// Frees the slot. Its contents stay until the slot is reused: releasing them here
    /// would cost a swap and the releases on every request.
    mutating func remove(slot: UInt32, generation: UInt32) {
        let slot = Int(slot)
        guard slot < slots.count, slots[slot].generation == generation, slots[slot].isLive else { return }
        countEnd(nameIndex: Int(slots[slot].nameIndex), state: slots[slot].info.state)
        if slots[slot].request >= 0 { unlinkDescendant(slot) }
        if slots[slot].info.orphaning != nil { names[Int(slots[slot].nameIndex)].orphaned -= 1 }
        slots[slot].isLive = false
        slots[slot].generation &+= 1
        slots[slot].nextFree = freeHead
        freeHead = Int32(slot)
    }

    /// Appends the live entries (created at or after `sinceSequence`) to `out`.
    func copyLive(into out: inout [TaskInfo], sinceSequence: UInt64) {
        _ = copyLive(into: &out, sinceSequence: sinceSequence, from: 0, count: slots.count)
    }

    /// Copies the live entries of up to `count` slots from `start`; returns where to go on,
    /// or nil when the slab is done.
    func copyLive(into out: inout [TaskInfo], sinceSequence: UInt64, from start: Int, count: Int) -> Int? {
        let end = min(slots.count, start + count)
        var index = start
        while index < end {
            if slots[index].isLive && slots[index].info.id.sequence >= sinceSequence { out.append(readerInfo(slot: index)) }
            index += 1
        }
        return end < slots.count ? end : nil
    }

    /// The number of free slots, by walking the free list (tests check for leaks with it).
    func freeSlotCount() -> Int {
        Self.freeListLength(head: freeHead) { slots[$0].nextFree }
    }

    /// Moves an entry of name `nameIndex` between the running and waiting counts when its
    /// state changes kind (both slabs).
    mutating func countStateChange(nameIndex: Int, from old: TaskState, to new: TaskState) {
        guard old.isWaiting != new.isWaiting else { return }
        if old.isWaiting {
            names[nameIndex].waiting -= 1
            names[nameIndex].running += 1
        } else {
            names[nameIndex].running -= 1
            names[nameIndex].waiting += 1
        }
    }

    /// Takes an ending entry out of the live counts (both slabs).
    mutating func countEnd(nameIndex: Int, state: TaskState) {
        if state.isWaiting { names[nameIndex].waiting -= 1 } else { names[nameIndex].running -= 1 }
        liveCount -= 1
    }

    /// The length of a free list that starts at `head` (either slab).
    static func freeListLength(head: Int32, next: (Int) -> Int32) -> Int {
        var count = 0
        var slot = head
        while slot >= 0 {
            count += 1
            slot = next(Int(slot))
        }
        return count
    }
}

/// A shard and its lock. Every request takes it twice, so it is a pthread mutex, not a
/// `Mutex` (see `PthreadMutex`), which also keeps two shards off each other's cache lines.
final class TaskShard: Sendable {
    let storage = PthreadMutex(TaskShardStorage())
}
