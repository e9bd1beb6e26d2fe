/// What a registered task is doing: running, or waiting for a named reason such as
/// `stock-reply` or `inventory-cache`.
public struct TaskState: Hashable, Sendable, CustomStringConvertible {
    private enum Storage: Hashable, Sendable {
        case running
        case waiting(String)
    }

    private let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    /// Executing, or ready to execute.
    public static let running = TaskState(.running)

    /// Suspended until `reason` happens. Keep reasons few and stable (they are grouped on).
    public static func waiting(_ reason: String) -> TaskState { TaskState(.waiting(reason)) }

    /// The reason, when waiting.
    public var waitReason: String? {
        if case .waiting(let reason) = storage { return reason }
        return nil
    }

    public var isWaiting: Bool {
        if case .waiting = storage { return true }
        return false
    }

    /// `running` or `waiting`, without the reason: the bounded label value for metrics.
    public var kind: String { isWaiting ? "waiting" : "running" }

    /// `running` or `waiting(stock-reply)`.
    public var description: String {
        switch storage {
        case .running: "running"
        case .waiting(let reason): "waiting(\(reason))"
        }
    }
}
