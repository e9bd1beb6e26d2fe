/// Binding a task-local around an `await` without `TaskLocal.withValue`'s hop.
///
/// `withValue(_:operation:isolation:)` takes the caller's isolation as an `isolated (any
/// Actor)?` parameter. On an event loop there is no actor, so that isolation is nil, and
/// calling it from a `nonisolated(nonsending)` function switches the task to the generic
/// executor and back (`swift_task_switch`, which consults the task's executor preference
/// under its status lock): about 0.5 µs per bound value on a request, more than the rest
/// of an unsampled request's tracing put together. `InstrumentationContext.withValue` adds
/// a second switch, as it is not inlinable.
///
/// This does what `withValue` does inside (the runtime's push, the operation, the pop) in
/// the caller's own isolation. The push and pop are the runtime's exported entry points
/// that the standard library's inlinable `withValue` itself calls, so their ABI is fixed.
extension TaskLocal {
    /// Runs `operation` with this task-local bound to `value`, on the caller's executor.
    @inlinable
    nonisolated(nonsending) public func bound<Result>(
        to value: Value, _ operation: nonisolated(nonsending) () async throws -> Result
    ) async rethrows -> Result {
        taskLocalValuePush(key: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), value: value)
        defer { taskLocalValuePop() }
        return try await operation()
    }
}

extension TaskLocal {
    /// Binds this task-local to `value` until the matching `pop()`: `bound(to:_:)` in two
    /// halves, for a caller whose work before and after the `await` runs out of line.
    @inlinable
    package func push(_ value: Value) {
        taskLocalValuePush(key: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), value: value)
    }

    /// Ends the last binding `push(_:)` made on this task.
    @inlinable
    package func pop() {
        taskLocalValuePop()
    }
}

/// The runtime's push: binds `value` under `key` (a `TaskLocal` object's address) on the
/// current task, or on the thread's fallback storage when there is no task.
@usableFromInline
@_silgen_name("swift_task_localValuePush")
func taskLocalValuePush<Value>(key: UnsafeRawPointer, value: __owned Value)

/// The runtime's pop: unbinds the value pushed last.
@usableFromInline
@_silgen_name("swift_task_localValuePop")
func taskLocalValuePop()
