/// Starts the domain's child tasks, so the service's task registry can see them.
///
/// The domain does not know the registry; the server injects a starter that registers each
/// child with its name, labels and creation site. Without one, children are plain tasks.
public protocol ChildTaskStarter: Sendable {
    /// Starts `operation` as a child of the current task.
    func startChild<Success: Sendable>(
        name: String, labels: [(String, String)], site: ChildTaskSite,
        operation: @escaping @Sendable () async throws -> Success
    ) -> Task<Success, any Error>

    /// Starts `operation` as work meant to outlive the current request (a cache refresh,
    /// say): it keeps the request's attribution, but is never counted as its orphan.
    @discardableResult
    func startDetached<Success: Sendable>(
        name: String, labels: [(String, String)], site: ChildTaskSite,
        operation: @escaping @Sendable () async throws -> Success
    ) -> Task<Success, any Error>

    /// Marks the current task as waiting for `reason` while `body` runs.
    func waiting<T: Sendable>(_ reason: String, _ body: () async throws -> T) async rethrows -> T
}

/// Where a child task was started: `#fileID`, `#line` and `#function` of the call.
public struct ChildTaskSite: Sendable {
    public let fileID: StaticString
    public let line: UInt
    public let function: StaticString

    public init(fileID: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        self.fileID = fileID
        self.line = line
        self.function = function
    }
}

/// Plain unstructured tasks, for tools and tests that have no registry.
public struct PlainChildTaskStarter: ChildTaskStarter {
    public init() {}

    public func startChild<Success: Sendable>(
        name: String, labels: [(String, String)], site: ChildTaskSite,
        operation: @escaping @Sendable () async throws -> Success
    ) -> Task<Success, any Error> {
        Task { try await operation() }
    }

    public func startDetached<Success: Sendable>(
        name: String, labels: [(String, String)], site: ChildTaskSite,
        operation: @escaping @Sendable () async throws -> Success
    ) -> Task<Success, any Error> {
        Task { try await operation() }
    }

    public func waiting<T: Sendable>(_ reason: String, _ body: () async throws -> T) async rethrows -> T {
        try await body()
    }
}
