#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Locking

/// Naming the request an event loop runs, for the loop's watchdog.
///
/// While a request runs on its loop's thread, the middleware publishes its entry's
/// `runningTag` to the loop (one store); a request's task that resumes there is known to the
/// loop by its address. When the loop stalls, the watchdog's thread turns either into the
/// entry's route and request id here, in the loop's shard (requests are registered in the
/// shard of the loop that received them). It waits for no lock: the stalled loop may be the
/// one holding it.
extension TaskRegistry {
    /// The route and request id of the live request entry that `tag` names
    /// (`TaskToken.runningTag`), registered on loop `loop`; `nil` once it has ended.
    public func runningRequest(tag: UInt64, loop: Int) -> (route: String, requestID: String)? {
        let slot = UInt32(truncatingIfNeeded: tag >> 32), generation = UInt32(truncatingIfNeeded: tag)
        guard slot & TaskToken.requestSlotFlag != 0 else { return nil }
        let index = Int(slot & ~TaskToken.requestSlotFlag)
        return withShardOfLoop(loop) { storage in
            guard index < storage.requests.count, storage.requests[index].isLive,
                  storage.requests[index].generation == generation else { return nil }
            return (storage.requests[index].route, storage.requests[index].requestID)
        }
    }

    /// The route and request id of the live request entry that the task at `taskAddress`
    /// registered on loop `loop`; `nil` when that task registered none.
    public func runningRequest(taskAddress: UInt, loop: Int) -> (route: String, requestID: String)? {
        guard taskAddress != 0 else { return nil }
        let task = TaskIdentity(address: taskAddress)
        return withShardOfLoop(loop) { storage in
            guard let found = storage.request(of: task, shard: 0) else { return nil }
            let slot = Int(found.slot)
            return (storage.requests[slot].route, storage.requests[slot].requestID)
        }
    }

    /// `body` with the storage of the shard that loop `loop` registers in, trying its lock
    /// a few times over about a millisecond.
    private func withShardOfLoop<Result>(_ loop: Int, _ body: (inout TaskShardStorage) -> Result?) -> Result? {
        let shard = loop >= 0 && loop < shardCount ? loop : shards.count - 1
        for _ in 0..<10 {
            if let result = shards[shard].storage.withLockIfAvailable(body) { return result }
            usleep(100)
        }
        return nil
    }
}

extension TaskToken {
    /// This request entry as one non-zero number (its slot and generation), for
    /// publishing to the loop that runs it; `TaskRegistry.runningRequest(tag:loop:)` reads
    /// it back. Meaningful for entries made by `registerRequest` only.
    public var runningTag: UInt64 { UInt64(slot) << 32 | UInt64(generation) }
}

extension TaskIdentity {
    /// The identity of the task at `address` (a job's address is its task's).
    package init(address: UInt) { self.address = address }
}
