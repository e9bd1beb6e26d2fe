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
        if let bound { return bound }
        return withUnsafeCurrentTask { task in
            guard let task else { return synchronousRequest }
            let identity = TaskIdentity(task)
            // Searched under the table's lock: a registry that is going away waits there in
            // its deinit to leave the table, so every registry listed stays whole meanwhile.
            return all.withLock { all in
                for registry in all {
                    if let token = registry.takeUnretainedValue().request(of: identity) { return token }
                }
                return nil
            }
        }
    }

    /// Runs `body`, a synchronous handler on the calling thread, with `token` as the
    /// thread's current entry. The slot holds a pointer to the caller's copy, valid only
    /// during `body`; nothing is allocated.
    static func withSynchronousRequest<Result>(_ token: TaskToken, _ body: () throws -> Result) rethrows -> Result {
        try withUnsafePointer(to: token) { pointer in
            let key = synchronousRequestKey
            let outer = pthread_getspecific(key)
            pthread_setspecific(key, pointer)
            defer { pthread_setspecific(key, outer) }
            return try body()
        }
    }

    /// The entry of the synchronous request running on this thread, if any.
    static var synchronousRequest: TaskToken? {
        pthread_getspecific(synchronousRequestKey).map { $0.assumingMemoryBound(to: TaskToken.self).pointee }
    }

    private static let synchronousRequestKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()

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
    private static let all = Mutex<[Unmanaged<TaskRegistry>]>([])

    static func enter(_ registry: TaskRegistry) {
        all.withLock { $0.append(.passUnretained(registry)) }
    }

    static func leave(_ registry: TaskRegistry) {
        let address = Unmanaged.passUnretained(registry).toOpaque()
        all.withLock { all in all.removeAll { $0.toOpaque() == address } }
    }
}
