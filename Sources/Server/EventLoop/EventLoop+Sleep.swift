extension EventLoop {
    /// Suspends the current task for `duration` with a timer on this loop (no thread
    /// blocks). The task resumes on the loop. Throws `CancellationError` when cancelled.
    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        let deadline = TimerQueue.now() + nanoseconds
        let registration = TimerRegistration()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                self.execute {
                    registration.id = self.timers.add(deadline: deadline, continuation)
                    if registration.cancelled { self.timers.cancel(registration.id) }
                }
            }
        } onCancel: {
            self.execute {
                registration.cancelled = true
                if registration.id != 0 { self.timers.cancel(registration.id) }
            }
        }
    }

    /// Sleeps on the current thread's loop, or with `Task.sleep` off any loop (in tests).
    public static func sleep(for duration: Duration) async throws {
        if let loop = EventLoop.current {
            try await loop.sleep(for: duration)
        } else {
            try await Task.sleep(for: duration)
        }
    }
}

/// Links a sleep to its timer across the cancellation race; touched on the loop only.
private final class TimerRegistration: @unchecked Sendable {
    var id: UInt64 = 0
    var cancelled = false
}
