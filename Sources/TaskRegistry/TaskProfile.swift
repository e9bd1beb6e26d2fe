/// Renders a registry for `GET /debug/tasks`, the way Go renders goroutine profiles.
///
/// - `debug=0`: a gzipped pprof `profile.proto` (see `TaskProfile+Pprof.swift`).
/// - `debug=1`: `task profile: total N`, then one block per group of tasks that share a
///   name, creation site, state (with the wait reason) and labels, largest group first,
///   with its count and the age of its oldest member. Labels unique to one request
///   (`ungroupedLabelKeys`: `request_id`, `stream_id`, `connection_id`, and any other key
///   ending in `_id`, see `isPerInstanceLabel`) are left out of
///   the key and the output, or no two requests would ever group.
/// - `debug=2`: every task with its id, parent, state and wait reason, ages, labels,
///   creation site and, when captured, backtrace; oldest first.
/// - `view=leaks`: tasks that have waited at least the threshold, grouped by site, name
///   and wait reason, with the labels that all members share.
/// - `view=orphans`: tasks whose request ended while they lived (a leak by definition),
///   grouped by site, name and the request's route, or by `group_by` (TaskProfile+Orphans);
///   with `debug=2`, each orphan as `debug=2` shows tasks.
/// - `format=json`: the same data as JSON (see `TaskProfile+JSON.swift` for the keys).
///
/// Rendering works on a snapshot, outside every registry lock.
public enum TaskProfile {
    /// Label keys that are unique per request and so not part of a group's key.
    public static let ungroupedLabelKeys: Set<String> = ["request_id", "stream_id", "connection_id"]

    /// Whether a label names one instance (an id) rather than a kind of work: the keys
    /// above, `id`, and any key ending in `_id` (such as `order_id`). Such labels are left
    /// out of `debug=1` groups, or a leak of one task per order would never group.
    public static func isPerInstanceLabel(_ key: String) -> Bool {
        // Every key in `ungroupedLabelKeys` ends in `_id`: the suffix test alone decides
        // them, without hashing the key (grouping calls this for each label of each task).
        key.hasSuffix("_id") || key == "id" || ungroupedLabelKeys.contains(key)
    }

    /// Content type of the text formats.
    public static let textContentType = "text/plain; charset=utf-8"
    /// Content type of `format=json`.
    public static let jsonContentType = "application/json"

    /// Renders per `query`. With `seconds=N`, marks the registry, waits through `sleep`,
    /// and renders only the tasks registered meanwhile that are still alive.
    public static func render(
        _ query: TaskProfileQuery,
        registry: TaskRegistry,
        sleep: @Sendable (Duration) async throws -> Void
    ) async throws -> (contentType: String, body: [UInt8]) {
        guard let seconds = query.seconds else {
            return render(query, snapshot: registry.snapshot())
        }
        let mark = registry.mark()
        try await sleep(.seconds(seconds))
        return render(query, snapshot: registry.snapshot(since: mark))
    }

    /// The leaks view: tasks waiting at least `threshold`, grouped by site.
    public static func renderLeaks(
        registry: TaskRegistry,
        threshold: Duration = .seconds(30),
        format: TaskProfileQuery.Format = .text
    ) -> (contentType: String, body: [UInt8]) {
        render(TaskProfileQuery(format: format, view: .leaks, leakThreshold: threshold), snapshot: registry.snapshot())
    }

    /// Renders an existing snapshot (no waiting: `query.seconds` only labels the output).
    public static func render(_ query: TaskProfileQuery, snapshot: TaskSnapshot) -> (contentType: String, body: [UInt8]) {
        let tasks = filter(snapshot, query)
        if query.debug == 0 {
            return (pprofContentType, pprof(tasks: tasks, query: query, snapshot: snapshot))
        }
        let contentType = query.format == .json ? jsonContentType : textContentType
        if query.view == .orphans && query.debug < 2 {
            return (contentType, orphans(tasks, query: query, snapshot: snapshot))
        }
        if query.view == .leaks {
            let groups = TaskGroup.leaks(tasks, snapshot: snapshot)
            let body = query.format == .json
                ? json(leaks: groups, total: tasks.count, query: query, snapshot: snapshot)
                : text(leaks: groups, total: tasks.count, query: query, snapshot: snapshot)
            return (contentType, body)
        }
        if query.debug >= 2 {
            let ordered = tasks.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            let body = query.format == .json
                ? json(tasks: ordered, query: query, snapshot: snapshot)
                : text(tasks: ordered, query: query, snapshot: snapshot)
            return (contentType, body)
        }
        let groups = TaskGroup.profile(tasks, snapshot: snapshot)
        let body = query.format == .json
            ? json(groups: groups, total: tasks.count, query: query, snapshot: snapshot)
            : text(groups: groups, total: tasks.count, query: query, snapshot: snapshot)
        return (contentType, body)
    }

    /// Applies `min_age`, `name`, `state` and, for the leaks view, the threshold.
    static func filter(_ snapshot: TaskSnapshot, _ query: TaskProfileQuery) -> [TaskInfo] {
        let minAge = query.minAge
        let leakThreshold: Duration? = query.view == .leaks ? query.leakThreshold : nil
        let orphansOnly = query.view == .orphans
        if minAge == nil, query.name == nil, query.state == nil, leakThreshold == nil, !orphansOnly { return snapshot.tasks }
        return snapshot.tasks.filter { task in
            if orphansOnly, !task.isOrphan { return false }
            if let minAge, snapshot.age(of: task) < minAge { return false }
            if let name = query.name, task.name != name { return false }
            if let state = query.state, !state.matches(task.state) { return false }
            if let leakThreshold, !task.state.isWaiting || snapshot.stateAge(of: task) < leakThreshold { return false }
            return true
        }
    }
}
