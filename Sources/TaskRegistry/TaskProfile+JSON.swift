/// The JSON forms. Keys, for tools such as the load client:
///
/// - `debug=1`: `{"total", "window_seconds"?, "groups": [{"count", "name", "site"
///   ("file:line"), "function", "state" ("running"/"waiting"), "wait_reason" (string or
///   null), "labels" (object), "oldest_age_seconds"}]}`
/// - `debug=2`: `{"total", "window_seconds"?, "tasks": [{"id" ("shard:seq"), "parent"
///   (id or null), "name", "site", "function", "state", "wait_reason", "labels",
///   "age_seconds", "state_age_seconds", "detached", "orphaned_seconds" and "request_status"
///   (null unless the task is an orphan), "backtrace"? (array of frames)}]}`
/// - `view=orphans`: see `TaskProfile+Orphans.swift`.
/// - `view=leaks`: `{"total", "threshold_seconds", "window_seconds"?, "groups": [ the
///   group keys above plus "longest_wait_seconds" ]}`
///
/// Durations are seconds with millisecond precision.
extension TaskProfile {
    static func jsonHeader(_ writer: inout TaskProfileWriter, total: Int, query: TaskProfileQuery) {
        writer.write(#"{"total":"# as StaticString)
        writer.write(total)
        if let seconds = query.seconds {
            writer.write(#","window_seconds":"# as StaticString)
            writer.write(seconds)
        }
    }

    static func jsonCommon(_ writer: inout TaskProfileWriter, name: String, site: TaskSite, state: TaskState,
                           labels: TaskLabels) {
        writer.write(#""name":"# as StaticString)
        writer.writeJSONString(name)
        writer.write(#","site":"# as StaticString)
        writer.writeJSONSite(site)
        writer.write(#","function":"# as StaticString)
        writer.writeJSONString(site.function)
        writer.write(#","state":""# as StaticString)
        writer.write(state.isWaiting ? "waiting\"" as StaticString : "running\"" as StaticString)
        writer.write(#","wait_reason":"# as StaticString)
        if let reason = state.waitReason { writer.writeJSONString(reason) } else { writer.write("null" as StaticString) }
        writer.write(#","labels":{"# as StaticString)
        var first = true
        for (key, value) in labels {
            if !first { writer.write(byte: UInt8(ascii: ",")) }
            first = false
            writer.writeJSONString(key)
            writer.write(byte: UInt8(ascii: ":"))
            writer.writeJSONString(value)
        }
        writer.write(byte: UInt8(ascii: "}"))
    }

    static func jsonGroup(_ writer: inout TaskProfileWriter, _ group: TaskGroup, snapshot: TaskSnapshot, leak: Bool) {
        writer.write(#"{"count":"# as StaticString)
        writer.write(group.count)
        writer.write(byte: UInt8(ascii: ","))
        jsonCommon(&writer, name: group.key.name, site: group.key.site, state: group.key.state, labels: group.labels)
        writer.write(#","oldest_age_seconds":"# as StaticString)
        writer.writeSeconds(snapshot.takenAt.since(group.oldestCreatedAt))
        if leak {
            writer.write(#","longest_wait_seconds":"# as StaticString)
            writer.writeSeconds(snapshot.takenAt.since(group.longestWaitSince))
        }
        writer.write(byte: UInt8(ascii: "}"))
    }

    static func json(groups: [TaskGroup], total: Int, query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 64 + groups.count * 256)
        jsonHeader(&writer, total: total, query: query)
        writer.write(#","groups":["# as StaticString)
        for (index, group) in groups.enumerated() {
            if index > 0 { writer.write(byte: UInt8(ascii: ",")) }
            jsonGroup(&writer, group, snapshot: snapshot, leak: false)
        }
        writer.write("]}\n" as StaticString)
        return writer.bytes
    }

    static func json(leaks groups: [TaskGroup], total: Int, query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 64 + groups.count * 280)
        jsonHeader(&writer, total: total, query: query)
        writer.write(#","threshold_seconds":"# as StaticString)
        writer.writeSeconds(query.leakThreshold)
        writer.write(#","groups":["# as StaticString)
        for (index, group) in groups.enumerated() {
            if index > 0 { writer.write(byte: UInt8(ascii: ",")) }
            jsonGroup(&writer, group, snapshot: snapshot, leak: true)
        }
        writer.write("]}\n" as StaticString)
        return writer.bytes
    }

    static func json(tasks: [TaskInfo], query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 64 + tasks.count * 320)
        jsonHeader(&writer, total: tasks.count, query: query)
        writer.write(#","tasks":["# as StaticString)
        for (index, task) in tasks.enumerated() {
            if index > 0 { writer.write(byte: UInt8(ascii: ",")) }
            writer.write(#"{"id":""# as StaticString)
            writer.write(task.id)
            writer.write(#"","parent":"# as StaticString)
            if let parent = task.parent {
                writer.write(byte: UInt8(ascii: "\""))
                writer.write(parent)
                writer.write(byte: UInt8(ascii: "\""))
            } else {
                writer.write("null" as StaticString)
            }
            writer.write(byte: UInt8(ascii: ","))
            jsonCommon(&writer, name: task.name, site: task.site, state: task.state, labels: task.labels)
            writer.write(#","age_seconds":"# as StaticString)
            writer.writeSeconds(snapshot.age(of: task))
            writer.write(#","state_age_seconds":"# as StaticString)
            writer.writeSeconds(snapshot.stateAge(of: task))
            writer.write(#","detached":"# as StaticString)
            writer.write(task.isDetached ? "true" as StaticString : "false" as StaticString)
            if let orphaning = task.orphaning {
                writer.write(#","orphaned_seconds":"# as StaticString)
                writer.writeSeconds(snapshot.takenAt.since(orphaning.orphanedAt))
                writer.write(#","request_status":"# as StaticString)
                writer.write(UInt64(orphaning.requestStatus))
            } else {
                writer.write(#","orphaned_seconds":null,"request_status":null"# as StaticString)
            }
            if let backtrace = task.backtrace {
                writer.write(#","backtrace":["# as StaticString)
                for (frameIndex, frame) in backtrace.symbolicatedFrames().enumerated() {
                    if frameIndex > 0 { writer.write(byte: UInt8(ascii: ",")) }
                    writer.writeJSONString(frame)
                }
                writer.write(byte: UInt8(ascii: "]"))
            }
            writer.write(byte: UInt8(ascii: "}"))
        }
        writer.write("]}\n" as StaticString)
        return writer.bytes
    }
}
