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
public final class PthreadMutex<Value: ~Copyable>: @unchecked Sendable {
    // Inlinable across modules (the registry's and the metrics' shards are in others). The
    // class is `public`, not `package`, for that alone: with this toolchain a `package`
    // @inlinable body is not inlined into other modules, and the unspecialized generic
    // call cost every registry entry about 15 ns. Locking is no product of the package.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    // Only touched with `mutex` held, which is the exclusivity the runtime would check.
    @usableFromInline @exclusivity(unchecked) var value: Value
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// A mutex around `value`.
    public init(_ value: consuming Value) {
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
    @inlinable @inline(__always)
    public func withLock<Result: ~Copyable, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Runs `body` with the value if the lock is free now; `nil` without waiting when it is
    /// held (for a watchdog, which must not wait on a thread that may be stuck).
    public func withLockIfAvailable<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
