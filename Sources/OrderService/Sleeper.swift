/// Suspends the caller; the server injects one backed by a timer on its own event loop.
///
/// The stand-in remote systems simulate latency through a sleeper instead of a clock,
/// so that the suspension happens on the server's executor and tests can observe it.
public protocol Sleeper: Sendable {
    /// Suspends the caller for `duration`.
    ///
    /// - Throws: `CancellationError` (or the sleeper's own error) if the wait ends early.
    func sleep(for duration: Duration) async throws
}

/// A ``Sleeper`` built on `Task.sleep(for:)`, for tools and tests that have no event loop.
public struct TaskSleeper: Sleeper {
    public init() {}

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
