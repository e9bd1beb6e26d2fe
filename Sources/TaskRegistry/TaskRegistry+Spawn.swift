extension TaskRegistry {
    /// Starts a child task registered under `name`, with the current entry as its parent.
    ///
    /// The entry is ended (in a `defer`) when `operation` returns or throws, and
    /// `TaskRegistry.current` is bound to it inside, so tasks it spawns record it as their
    /// parent and `waiting(_:_:)` marks it. The creation site is the caller's.
    ///
    /// The child inherits its request's attribution (route, request id, trace id), shown
    /// as labels. If that request ends while the child still runs, the child becomes an
    /// orphan (`view=orphans`): a leak by definition, since nothing is left to await it.
    /// Work meant to outlive its request says so with `detached: true` and is never an
    /// orphan.
    ///
    /// The task starts on the global executor and hops to `operation`'s isolation if it has
    /// one, as an unstructured `Task` would; it is unstructured, so cancel it yourself.
    @discardableResult
    public func spawn<Success: Sendable>(
        name: String,
        labels: TaskLabels = [:],
        detached: Bool = false,
        fileID: StaticString = #fileID,
        line: UInt = #line,
        function: StaticString = #function,
        operation: sending @escaping @isolated(any) () async throws -> Success
    ) -> Task<Success, any Error> {
        let site = TaskSite(fileID: fileID, line: line, function: function)
        let token: TaskToken
        if let parent = Self.current, parent.registry === self {
            token = register(name: name, parent: parent, labels: labels, site: site, detached: detached)
        } else {
            token = register(name: name, parent: Self.current?.id, labels: labels, site: site)
        }
        return Task(name: name) {
            defer { self.end(token) }
            return try await Self.$bound.withValue(token) { try await operation() }
        }
    }

    /// Runs `operation` with `current` bound to `token`. For work that registered itself
    /// (the request middleware registers each request, then serves it inside this).
    public static func withCurrent<T>(
        _ token: TaskToken,
        isolation: isolated (any Actor)? = #isolation,
        operation: () async throws -> T
    ) async rethrows -> T {
        try await $bound.withValue(token, operation: operation)
    }

    /// Marks the current entry waiting for `reason` while `body` runs, then running again.
    /// Does nothing but run `body` outside a registered task.
    ///
    /// ```swift
    /// let reply = try await TaskRegistry.waiting("stock-reply") { try await validator.check(ids) }
    /// ```
    public static func waiting<T>(
        _ reason: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async rethrows -> T {
        guard let token = current else { return try await body() }
        token.registry.setState(token, .waiting(reason))
        defer { token.registry.setState(token, .running) }
        return try await body()
    }

    /// Sets the state of the current entry, if there is one (for code that cannot wrap
    /// the await in `waiting(_:_:)`).
    public static func setCurrentState(_ state: TaskState) {
        guard let token = current else { return }
        token.registry.setState(token, state)
    }
}
