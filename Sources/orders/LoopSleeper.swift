import OrderService
import Server

/// The domain's `Sleeper`, backed by a timer on the caller's event loop.
struct LoopSleeper: Sleeper {
    func sleep(for duration: Duration) async throws {
        try await EventLoop.sleep(for: duration)
    }
}
