import Locking
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `TaskRegistry.current`: the registry entry of the running task.
///
/// Two ways lead to it. A task started by `spawn` (or run inside `withCurrent`) has its
/// entry bound as a task-local, inherited by the tasks it creates. A request's task is
/// found by identity instead: `registerRequest` remembers the task that called it, and
/// the lookup walks the live request entries, which are few (the requests in flight), in
/// every registry of the process. Binding a task-local per request cost about as much as
/// the rest of its registry entry, and most requests never ask who they are. A request
/// answered by a `SynchronousHandler` has no task: its entry is published in a
/// thread-specific slot for as long as the handler runs on the loop's thread.
extension TaskRegistry {
    /// The entry of the current Swift task, if it was started through a registry:
    /// spawned by `spawn`, run inside `withCurrent`, or registered by `registerRequest`
    /// from the task itself. `nil` elsewhere, including in tasks a request creates with
    /// `Task {}` or `async let` (use `spawn` to give them entries and a parent).
    public static var current: TaskToken? {
        // A synchronous request cannot suspend, so while the thread's slot is set, whatever
        // runs on the thread is that request, even inside a task that called it.
        if let synchronous = synchronousRequest { return synchronous }
        if let bound { return bound }
        return withUnsafeCurrentTask { task in
            guard let task else { return nil }
            let identity = TaskIdentity(task)
            // Searched under the table's lock: a registry that is going away waits there in
            // its deinit to leave the table, so every registry listed stays whole meanwhile.
            return all.withLock { all in
                for registry in all {
                    // Used without retaining it: a registry whose last reference went away
                    // meanwhile waits for this lock in its deinit, so it stays whole here,
                    // whereas a retain and release of ours could run that deinit on this
                    // thread, inside this lock.
                    let token = registry._withUnsafeGuaranteedRef { registry -> TaskToken? in
                        registry.request(of: identity)
                    }
                    if let token { return token }
                }
                return nil
            }
        }
    }

    /// Makes `token` the calling thread's current entry, for a request answered without a
    /// task (a synchronous route), until `leaveSynchronousRequest` restores what this
    /// returns. The thread's slot holds the token's parts with the registry unretained (the
    /// request's middleware holds the token itself meanwhile), so entering and leaving
    /// allocate nothing and touch no reference count.
    public static func enterSynchronousRequest(_ token: TaskToken) -> SynchronousRequestSlot {
        let pointer = SynchronousRequestSlot.forThisThread()
        let outer = pointer.pointee
        pointer.pointee = SynchronousRequestSlot.Entry(token)
        return SynchronousRequestSlot(pointer: pointer, outer: outer)
    }

    /// Restores the thread's current entry to what it was before `enterSynchronousRequest`.
    public static func leaveSynchronousRequest(_ slot: SynchronousRequestSlot) {
        slot.pointer.pointee = slot.outer
    }

    /// The entry of the synchronous request running on this thread, if any.
    static var synchronousRequest: TaskToken? {
        guard let raw = pthread_getspecific(SynchronousRequestSlot.key) else { return nil }
        return raw.assumingMemoryBound(to: SynchronousRequestSlot.Entry?.self).pointee?.token
    }

    /// The live request entry that `task` registered, looking in the caller's shard first.
    func request(of task: TaskIdentity) -> TaskToken? {
        let first = shardIndexForCaller
        for index in [first] + shards.indices.filter({ $0 != first }) {
            if let found = shards[index].storage.withLock({ $0.request(of: task, shard: index) }) {
                return TaskToken(id: found.id, registry: self, slot: found.slot | TaskToken.requestSlotFlag,
                                 generation: found.generation)
            }
        }
        return nil
    }

    /// Every registry alive in the process (one per server, and one per test), unretained:
    /// a weak reference would move the registry's reference count to a side table and make
    /// every token copy's retain take the slow path. Each registry leaves in its deinit.
    ///
    /// Why a process-wide table must stay: `TaskRegistry.current` is static, because its
    /// callers hold no registry (a log line's metadata provider, `spawn` looking for its
    /// parent, a handler deep in the domain), and a request's task carries no task-local
    /// that could name one (binding it cost a request about 150 ns). So the lookup asks every
    /// registry for the entry its task registered. What it costs: one lock, and a walk of the
    /// live requests of each registry, per `current` read inside a request's task (not per
    /// request: requests that never ask pay nothing); registries entering and leaving take
    /// the same lock. Nothing else uses it, and no other module reaches it.
    private static let all = Mutex<[Unmanaged<TaskRegistry>]>([])

    static func enter(_ registry: TaskRegistry) {
        all.withLock { $0.append(.passUnretained(registry)) }
    }

    static func leave(_ registry: TaskRegistry) {
        let address = Unmanaged.passUnretained(registry).toOpaque()
        all.withLock { all in all.removeAll { $0.toOpaque() == address } }
    }
}

/// The calling thread's current synchronous request, and what to restore when it ends.
public struct SynchronousRequestSlot: @unchecked Sendable {
    /// A token's parts, the registry unretained.
    struct Entry {
        let id: TaskID
        let registry: Unmanaged<TaskRegistry>
        let slot: UInt32
        let generation: UInt32

        init(_ token: TaskToken) {
            id = token.id
            registry = .passUnretained(token.registry)
            slot = token.slot
            generation = token.generation
        }

        var token: TaskToken {
            TaskToken(id: id, registry: registry.takeUnretainedValue(), slot: slot, generation: generation)
        }
    }

    let pointer: UnsafeMutablePointer<Entry?>
    let outer: Entry?

    /// The thread's slot, made at its first synchronous request and freed with the thread.
    static func forThisThread() -> UnsafeMutablePointer<Entry?> {
        if let raw = pthread_getspecific(key) { return raw.assumingMemoryBound(to: Entry?.self) }
        let pointer = UnsafeMutablePointer<Entry?>.allocate(capacity: 1)
        pointer.initialize(to: nil)
        pthread_setspecific(key, pointer)
        return pointer
    }

    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            guard let raw else { return }
            let pointer = raw.assumingMemoryBound(to: Entry?.self)
            pointer.deinitialize(count: 1)
            pointer.deallocate()
        }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()
}
