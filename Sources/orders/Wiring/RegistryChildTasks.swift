import RequestTracing
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
        // A traced request's children carry its trace id, so a leaked child finds its trace.
        let traced = RequestTracer.currentTraceID.map { labels + [("trace_id", $0)] } ?? labels
        return registry.spawn(name: name, labels: TaskLabels(traced), fileID: site.fileID, line: site.line,
                              function: site.function) { try await operation() }
    }

    func waiting<T: Sendable>(_ reason: String, _ body: () async throws -> T) async rethrows -> T {
        try await TaskRegistry.waiting(reason, body)
    }
}
