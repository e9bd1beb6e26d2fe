import TaskRegistry
import OrderService

/// The domain's `ChildTaskStarter`, backed by the task registry: every stock-validation
/// child shows up in /debug/tasks with its creation site in the domain's code.
struct RegistryChildTasks: ChildTaskStarter {
    let registry: TaskRegistry

    func startChild<Success: Sendable>(
        name: String, labels: [(String, String)], site: ChildTaskSite,
        operation: @escaping @Sendable () async throws -> Success
    ) -> Task<Success, any Error> {
        // The child inherits the request's route, request id and trace id from the registry,
        // so a leaked child names the request and the trace that leaked it.
        return registry.spawn(name: name, labels: TaskLabels(labels), fileID: site.fileID, line: site.line,
                              function: site.function) { try await operation() }
    }

    func startDetached<Success: Sendable>(
        name: String, labels: [(String, String)], site: ChildTaskSite,
        operation: @escaping @Sendable () async throws -> Success
    ) -> Task<Success, any Error> {
        registry.spawn(name: name, labels: TaskLabels(labels), detached: true, fileID: site.fileID, line: site.line,
                       function: site.function) { try await operation() }
    }

    func waiting<T: Sendable>(_ reason: String, _ body: () async throws -> T) async rethrows -> T {
        try await TaskRegistry.waiting(reason, body)
    }
}
