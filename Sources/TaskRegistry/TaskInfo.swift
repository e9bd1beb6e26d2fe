/// A copy of one registry entry, as a snapshot holds it.
public struct TaskInfo: Sendable {
    public var id: TaskID
    /// The entry that started this one, if it was started by a registered task.
    public var parent: TaskID?
    public var name: String
    public var site: TaskSite
    public var labels: TaskLabels
    public var state: TaskState
    public var createdAt: TaskInstant
    /// When `state` was last set (the creation time if never).
    public var stateChangedAt: TaskInstant
    /// The creation backtrace, when the registry captures them.
    public var backtrace: TaskBacktrace?
    /// The request this task was started for (inherited from its parent), if any. In a
    /// snapshot, `labels` already ends with it (`route`, `request_id`, `trace_id`).
    public var attribution: TaskAttribution?
    /// Set once the request this task was started for has ended while the task lived.
    public var orphaning: TaskOrphaning?
    /// Spawned to outlive its request (`TaskRegistry.spawn(…, detached: true)`): never an orphan.
    public var isDetached: Bool

    public init(id: TaskID, parent: TaskID?, name: String, site: TaskSite, labels: TaskLabels,
                state: TaskState, createdAt: TaskInstant, stateChangedAt: TaskInstant,
                backtrace: TaskBacktrace? = nil, attribution: TaskAttribution? = nil,
                orphaning: TaskOrphaning? = nil, isDetached: Bool = false) {
        self.id = id
        self.parent = parent
        self.name = name
        self.site = site
        self.labels = labels
        self.state = state
        self.createdAt = createdAt
        self.stateChangedAt = stateChangedAt
        self.backtrace = backtrace
        self.attribution = attribution
        self.orphaning = orphaning
        self.isDetached = isDetached
    }

    /// Whether the task outlived the request it was started for.
    public var isOrphan: Bool { orphaning != nil }
}

/// A merged copy of every shard of a registry, taken one shard at a time.
///
/// Each entry is consistent (copied under its shard's lock); the shards are copied one
/// after another, so the whole is not one atomic instant. Ages are relative to `takenAt`,
/// read after the last shard, so they are never negative.
public struct TaskSnapshot: Sendable {
    /// Live entries, in no particular order.
    public var tasks: [TaskInfo]
    public var takenAt: TaskInstant

    public init(tasks: [TaskInfo], takenAt: TaskInstant) {
        self.tasks = tasks
        self.takenAt = takenAt
    }

    /// How long ago `task` was created.
    public func age(of task: TaskInfo) -> Duration { takenAt.since(task.createdAt) }

    /// How long `task` has been in its current state.
    public func stateAge(of task: TaskInfo) -> Duration { takenAt.since(task.stateChangedAt) }
}
