#if canImport(Glibc)
import Glibc
#endif

/// The loop's pending sleeps: a binary min-heap of deadlines, loop thread only.
///
/// A cancelled sleep is resumed at once and its heap entry is skipped when it comes due,
/// so cancelling never searches the heap.
struct TimerQueue {
    struct Entry {
        var deadline: UInt64
        var id: UInt64
    }

    private var heap: [Entry] = []
    private var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    private var nextID: UInt64 = 0

    var count: Int { waiters.count }

    /// Monotonic time in nanoseconds.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    mutating func add(deadline: UInt64, _ continuation: CheckedContinuation<Void, any Error>) -> UInt64 {
        nextID += 1
        waiters[nextID] = continuation
        heap.append(Entry(deadline: deadline, id: nextID))
        siftUp(heap.count - 1)
        return nextID
    }

    /// Resumes the sleep `id` with CancellationError, if it is still waiting.
    mutating func cancel(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.resume(throwing: CancellationError())
    }

    /// Resumes every sleep whose deadline has passed, telling `late` how many nanoseconds
    /// after its deadline each one is resumed. Returns how many were resumed.
    @discardableResult
    mutating func fireDue(now: UInt64? = nil, late: (UInt64) -> Void = { _ in }) -> Int {
        guard let first = heap.first else { return 0 }
        let now = now ?? Self.now()
        guard first.deadline <= now else { return 0 }
        var fired = 0
        while let top = heap.first, top.deadline <= now {
            removeTop()
            if let waiter = waiters.removeValue(forKey: top.id) {
                late(now - top.deadline)
                waiter.resume()
                fired += 1
            }
        }
        return fired
    }

    /// Milliseconds until the next live deadline, rounded up; -1 when there is none.
    mutating func millisecondsUntilNext(now: UInt64? = nil) -> Int32 {
        // Entries of cancelled sleeps are dropped here so they never wake the loop.
        while let top = heap.first, waiters[top.id] == nil { removeTop() }
        guard let first = heap.first else { return -1 }
        let now = now ?? Self.now()
        guard first.deadline > now else { return 0 }
        let ms = (first.deadline - now + 999_999) / 1_000_000
        return Int32(min(ms, 60_000))
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var index = 0
        while true {
            let left = 2 * index + 1, right = left + 1
            var smallest = index
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == index { return }
            heap.swapAt(index, smallest)
            index = smallest
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard heap[index].deadline < heap[parent].deadline else { return }
            heap.swapAt(index, parent)
            index = parent
        }
    }
}
