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

    init(key: Key, task: TaskInfo) {
        self.key = key
        labels = key.labels
        count = 1
        oldestCreatedAt = task.createdAt
        longestWaitSince = task.stateChangedAt
        firstID = task.id
    }

    mutating func add(_ task: TaskInfo) {
        count += 1
        oldestCreatedAt = min(oldestCreatedAt, task.createdAt)
        longestWaitSince = min(longestWaitSince, task.stateChangedAt)
        firstID = min(firstID, task.id)
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
        for task in tasks {
            let key = Key(name: task.name, site: task.site, state: task.state,
                          labels: task.labels.removing(where: TaskProfile.isPerInstanceLabel))
            if let position = index[key] {
                groups[position].add(task)
            } else {
                index[key] = groups.count
                groups.append(TaskGroup(key: key, task: task))
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
