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
    /// Its request lineage, boxed: most entries (listed children, requests, connections)
    /// have none stored, and a box keeps every entry's copy into and out of the slab small.
    var lineage: TaskLineage?

    /// The request this task was started for (inherited from its parent), if any. In a
    /// snapshot, `labels` already ends with it (`route`, `request_id`, `trace_id`).
    public var attribution: TaskAttribution? {
        get { lineage?.attribution }
        set { lineage = TaskLineage.make(attribution: newValue, orphaning: orphaning, isDetached: isDetached) }
    }

    /// Set once the request this task was started for has ended while the task lived.
    public var orphaning: TaskOrphaning? {
        get { lineage?.orphaning }
        set { lineage = TaskLineage.make(attribution: attribution, orphaning: newValue, isDetached: isDetached) }
    }

    /// Spawned to outlive its request (`TaskRegistry.spawn(…, detached: true)`): never an orphan.
    public var isDetached: Bool {
        get { lineage?.isDetached ?? false }
        set { lineage = TaskLineage.make(attribution: attribution, orphaning: orphaning, isDetached: newValue) }
    }

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
        self.lineage = TaskLineage.make(attribution: attribution, orphaning: orphaning, isDetached: isDetached)
    }

    /// Whether the task outlived the request it was started for.
    public var isOrphan: Bool { orphaning != nil }
}

/// A task's request lineage when it has one stored: immutable, replaced whole on a change.
final class TaskLineage: Sendable {
    let attribution: TaskAttribution?
    let orphaning: TaskOrphaning?
    let isDetached: Bool

    private init(attribution: TaskAttribution?, orphaning: TaskOrphaning?, isDetached: Bool) {
        self.attribution = attribution
        self.orphaning = orphaning
        self.isDetached = isDetached
    }

    /// A box for these values, or nil when there is nothing to keep.
    static func make(attribution: TaskAttribution?, orphaning: TaskOrphaning?, isDetached: Bool) -> TaskLineage? {
        if attribution == nil && orphaning == nil && !isDetached { return nil }
        return TaskLineage(attribution: attribution, orphaning: orphaning, isDetached: isDetached)
    }
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
