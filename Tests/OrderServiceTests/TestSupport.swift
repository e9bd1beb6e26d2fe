import OrderService
import Synchronization
import Testing

/// A clock that moves only when told to, for cache expiry tests.
final class ManualClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Self { Self(offset: self.offset + duration) }
        func duration(to other: Self) -> Duration { other.offset - self.offset }
        static func < (lhs: Self, rhs: Self) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    var now: Instant { self.current.withLock { $0 } }
    var minimumResolution: Duration { .zero }

    func advance(by duration: Duration) {
        self.current.withLock { $0 = $0.advanced(by: duration) }
    }

    /// Sleeping on a manual clock just moves it to the deadline.
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        self.current.withLock { $0 = Swift.max($0, deadline) }
    }
}

/// Records every sleep and suspends for real (by yielding), without waiting out the time.
final class RecordingSleeper: Sleeper {
    private let calls = Mutex<[Duration]>([])

    var recorded: [Duration] { self.calls.withLock { $0 } }

    func sleep(for duration: Duration) async throws {
        self.calls.withLock { $0.append(duration) }
        await Task.yield()
    }
}

/// Parks every sleeper until `open()`, so a test can see callers suspended inside it.
final class GateSleeper: Sleeper {
    private struct State {
        var calls: [Duration] = []
        var waiting: [CheckedContinuation<Void, Never>] = []
        var isOpen = false
    }

    private let state = Mutex(State())

    var recorded: [Duration] { self.state.withLock { $0.calls } }
    var waitingCount: Int { self.state.withLock { $0.waiting.count } }

    func sleep(for duration: Duration) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = self.state.withLock { state in
                state.calls.append(duration)
                if state.isOpen { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiting = self.state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting {
            continuation.resume()
        }
    }
}

/// A sleeper that must not be called.
struct ForbiddenSleeper: Sleeper {
    func sleep(for duration: Duration) async throws {
        Issue.record("unexpected sleep for \(duration)")
    }
}

extension OrderServiceConfiguration {
    /// A small store, so that tests seed quickly.
    static func small(
        orders: Int = 200,
        users: Int = 50,
        skus: Int = 40,
        seed: UInt64 = 42,
        _ adjust: (inout Self) -> Void = { _ in }
    ) -> Self {
        var configuration = Self()
        configuration.orderCount = orders
        configuration.userCount = users
        configuration.skuCount = skus
        configuration.seed = seed
        adjust(&configuration)
        return configuration
    }
}

/// Polls `condition` with short sleeps until it holds or about two seconds pass.
func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<2_000 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

/// A flag that tasks can set and tests can read.
final class Flag: Sendable {
    private let value = Atomic(false)

    var isSet: Bool { self.value.load(ordering: .acquiring) }

    func set() { self.value.store(true, ordering: .releasing) }
}
