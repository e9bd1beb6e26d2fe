/// Tasks that render as one block: same name, site, state and (grouping) labels.
struct TaskGroup {
    struct Key: Hashable {
        var name: String
        var site: TaskSite
        var state: TaskState
        var labels: TaskLabels
    }

    var key: Key
    /// The labels shown: the key's, or for leak groups those every member shares.
    var labels: TaskLabels
    var count: Int
    var oldestCreatedAt: TaskInstant
    var longestWaitSince: TaskInstant
    /// The smallest id, a cheap deterministic tie-break for the sort.
    var firstID: TaskID

    init(key: Key, task: borrowing TaskInfo) {
        self.init(key: key, createdAt: task.createdAt, stateChangedAt: task.stateChangedAt, id: task.id)
    }

    /// A group's first member, by the three fields the group keeps (passing the whole entry
    /// copied it: a retain and a release per string in it, for each of 100,000 tasks).
    init(key: Key, createdAt: TaskInstant, stateChangedAt: TaskInstant, id: TaskID) {
        self.key = key
        labels = key.labels
        count = 1
        oldestCreatedAt = createdAt
        longestWaitSince = stateChangedAt
        firstID = id
    }

    mutating func add(_ task: borrowing TaskInfo) {
        add(createdAt: task.createdAt, stateChangedAt: task.stateChangedAt, id: task.id)
    }

    mutating func add(createdAt: TaskInstant, stateChangedAt: TaskInstant, id: TaskID) {
        count += 1
        oldestCreatedAt = min(oldestCreatedAt, createdAt)
        longestWaitSince = min(longestWaitSince, stateChangedAt)
        firstID = min(firstID, id)
    }

    /// Largest first; then oldest; then lowest id.
    static func sorted(_ groups: [TaskGroup]) -> [TaskGroup] {
        groups.sorted { left, right in
            if left.count != right.count { return left.count > right.count }
            if left.oldestCreatedAt != right.oldestCreatedAt { return left.oldestCreatedAt < right.oldestCreatedAt }
            return left.firstID < right.firstID
        }
    }

    /// `debug=1` groups: key = (name, site, state with reason, labels without the
    /// per-request ones).
    static func profile(_ tasks: [TaskInfo], snapshot: TaskSnapshot) -> [TaskGroup] {
        var groups: [TaskGroup] = []
        var index: [Key: Int] = [:]
        // Through a buffer pointer, whose subscript addresses the entry in place: `for task
        // in tasks` (or the array's subscript) copied each whole entry, a retain and a release
        // per string in it, and grouping reads four of its fields.
        tasks.withUnsafeBufferPointer { tasks in
            for position in tasks.indices {
                let key = Key(name: tasks[position].name, site: tasks[position].site, state: tasks[position].state,
                              labels: tasks[position].labels.removing(where: TaskProfile.isPerInstanceLabel))
                let createdAt = tasks[position].createdAt, changedAt = tasks[position].stateChangedAt
                let id = tasks[position].id
                if let found = index[key] {
                    groups[found].add(createdAt: createdAt, stateChangedAt: changedAt, id: id)
                } else {
                    index[key] = groups.count
                    groups.append(TaskGroup(key: key, createdAt: createdAt, stateChangedAt: changedAt, id: id))
                }
            }
        }
        return sorted(groups)
    }

    /// Leak groups: key = (name, site, state); the labels kept are those every member
    /// shares, so a leak spread across routes still shows as one site.
    static func leaks(_ tasks: [TaskInfo], snapshot: TaskSnapshot) -> [TaskGroup] {
        var groups: [TaskGroup] = []
        var index: [Key: Int] = [:]
        for task in tasks {
            let key = Key(name: task.name, site: task.site, state: task.state, labels: TaskLabels())
            let labels = task.labels.removing(where: TaskProfile.isPerInstanceLabel)
            if let position = index[key] {
                groups[position].add(task)
                if groups[position].labels != labels {
                    groups[position].labels = TaskLabels(groups[position].labels.filter { pair in
                        labels.contains { $0.key == pair.key && $0.value == pair.value }
                    }.map { ($0.key, $0.value) })
                }
            } else {
                index[key] = groups.count
                var group = TaskGroup(key: key, task: task)
                group.labels = labels
                groups.append(group)
            }
        }
        return sorted(groups)
    }
}
