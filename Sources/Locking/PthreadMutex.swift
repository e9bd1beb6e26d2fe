#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`, for state that every request touches.
///
/// `Synchronization.Mutex` costs about 34 ns per uncontended lock and unlock on this
/// Linux toolchain, against about 6 ns for a plain pthread mutex (`chain-bench`'s
/// "parts"), and a request took three such locks (its registry entry, twice, and its
/// histogram cells). The API is `Mutex`'s: the value is reachable only inside `withLock`.
/// A class, because a pthread mutex must not move once initialised.
///
/// The mutex has a cache line of its own, and the object ends in one line of padding: the
/// users are per-loop shards, made one after another, and two loops writing neighbouring
/// lines would share them.
package final class PthreadMutex<Value: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    // Only touched with `mutex` held, which is the exclusivity the runtime would check.
    @exclusivity(unchecked) private var value: Value
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    package init(_ value: consuming Value) {
        self.value = value
        precondition(MemoryLayout<pthread_mutex_t>.size <= 64, "pthread_mutex_t is larger than a cache line")
        mutex = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: pthread_mutex_t.self, capacity: 1)
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        UnsafeMutableRawPointer(mutex).deallocate()  // allocated raw, with its alignment
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    package func withLock<Result: ~Copyable, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
