import Foundation

/// Runs `body` on a new thread, outside any Swift task, as an event loop's thread answers a
/// synchronous route; for tests that check what such a route sees.
public func onThreadWithoutTask<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}
