/// `view=orphans`: tasks alive after the request that started them ended, grouped.
///
/// Text (default `group_by=site`):
///
///     task orphans: total 12, grouped by site
///     12 @ OrderService/OrderService+ValidationChildren.swift:66 startValidationChild(for:request:settings:)
///     #	name=stock-validation route="/api/v1/order/map" requests=12
///     #	request status: 500 (12)
///     #	state: waiting(stock-reply) (12)
///     #	orphaned: newest 0.1s ago, oldest 4.2s ago; oldest created 4.3s ago
///
/// With `group_by=route` or `group_by=request_id` a group starts `N from route="…"` (or
/// `request_id="…" route="…"`) and lists its sites. JSON: `{"total", "group_by", "groups":
/// [{"count", "route", "request_id" (with group_by=request_id, else null), "trace_id"
/// (idem), "requests", "sites": [{"count", "name", "site", "function"}], "statuses":
/// {"500": 12}, "states": {"waiting(stock-reply)": 12}, "newest_orphaned_seconds",
/// "oldest_orphaned_seconds", "oldest_age_seconds"}]}`.
struct OrphanGroup {
    struct Key: Hashable {
        var site: TaskSite?
        var name: String?
        var route: String
        var requestID: String?
    }

    struct SiteCount {
        var site: TaskSite
        var name: String
        var count: Int
    }

    var key: Key
    var count = 0
    var traceID = ""
    var sites: [SiteCount] = []
    var statuses: [(status: UInt16, count: Int)] = []
    var states: [(state: TaskState, count: Int)] = []
    var requests: Set<String> = []
    var newestOrphanedAt: TaskInstant
    var oldestOrphanedAt: TaskInstant
    var oldestCreatedAt: TaskInstant

    init(key: Key, first task: TaskInfo, orphaning: TaskOrphaning) {
        self.key = key
        newestOrphanedAt = orphaning.orphanedAt
        oldestOrphanedAt = orphaning.orphanedAt
        oldestCreatedAt = task.createdAt
    }

    mutating func add(_ task: TaskInfo, _ orphaning: TaskOrphaning, _ attribution: TaskAttribution?) {
        count += 1
        if let index = sites.firstIndex(where: { $0.site == task.site && $0.name == task.name }) {
            sites[index].count += 1
        } else {
            sites.append(SiteCount(site: task.site, name: task.name, count: 1))
        }
        if let index = statuses.firstIndex(where: { $0.status == orphaning.requestStatus }) {
            statuses[index].count += 1
        } else {
            statuses.append((orphaning.requestStatus, 1))
        }
        if let index = states.firstIndex(where: { $0.state == task.state }) {
            states[index].count += 1
        } else {
            states.append((task.state, 1))
        }
        if let attribution {
            requests.insert(attribution.requestID)
            if traceID.isEmpty { traceID = attribution.traceID.hex }
        }
        newestOrphanedAt = max(newestOrphanedAt, orphaning.orphanedAt)
        oldestOrphanedAt = min(oldestOrphanedAt, orphaning.orphanedAt)
        oldestCreatedAt = min(oldestCreatedAt, task.createdAt)
    }

    /// Groups the orphans among `tasks`, largest group first, then the longest orphaned.
    static func groups(_ tasks: [TaskInfo], by grouping: TaskProfileQuery.OrphanGrouping) -> [OrphanGroup] {
        var groups: [OrphanGroup] = []
        var index: [Key: Int] = [:]
        for task in tasks {
            guard let orphaning = task.orphaning else { continue }
            let route = task.attribution?.route ?? ""
            let key = switch grouping {
            case .route: Key(route: route)
            case .requestID: Key(route: route, requestID: task.attribution?.requestID ?? "")
            default: Key(site: task.site, name: task.name, route: route)
            }
            let position: Int
            if let found = index[key] {
                position = found
            } else {
                position = groups.count
                index[key] = position
                groups.append(OrphanGroup(key: key, first: task, orphaning: orphaning))
            }
            groups[position].add(task, orphaning, task.attribution)
        }
        for position in groups.indices { groups[position].sites.sort { $0.count > $1.count } }
        return groups.sorted { left, right in
            if left.count != right.count { return left.count > right.count }
            return left.oldestOrphanedAt < right.oldestOrphanedAt
        }
    }
}

extension TaskProfile {
    static func orphans(_ tasks: [TaskInfo], query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        let groups = OrphanGroup.groups(tasks, by: query.orphanGrouping)
        let total = groups.reduce(0) { $0 + $1.count }
        return query.format == .json
            ? json(orphans: groups, total: total, query: query, snapshot: snapshot)
            : text(orphans: groups, total: total, query: query, snapshot: snapshot)
    }

    static func text(orphans groups: [OrphanGroup], total: Int, query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 96 + groups.count * 320)
        writer.write("task orphans: total " as StaticString)
        writer.write(total)
        writer.write(", grouped by " as StaticString)
        writer.write(query.orphanGrouping.description)
        writer.write(byte: 0x0A)
        for group in groups {
            writer.write(group.count)
            if let site = group.key.site, let name = group.key.name {
                writer.write(" @ " as StaticString)
                writeSite(&writer, site)
                writer.write("\n#\tname=" as StaticString)
                writer.write(name)
                writer.write(" route=" as StaticString)
                writer.writeJSONString(group.key.route)
            } else {
                writer.write(" from " as StaticString)
                if let requestID = group.key.requestID {
                    writer.write("request_id=" as StaticString)
                    writer.writeJSONString(requestID)
                    writer.write(byte: UInt8(ascii: " "))
                }
                writer.write("route=" as StaticString)
                writer.writeJSONString(group.key.route)
                if group.key.requestID != nil, !group.traceID.isEmpty {
                    writer.write(" trace_id=" as StaticString)
                    writer.write(group.traceID)
                }
                for site in group.sites {
                    writer.write("\n#\t" as StaticString)
                    writer.write(site.count)
                    writer.write(" @ " as StaticString)
                    writeSite(&writer, site.site)
                    writer.write(" name=" as StaticString)
                    writer.write(site.name)
                }
                writer.write("\n#" as StaticString)
            }
            writer.write(" requests=" as StaticString)
            writer.write(group.requests.count)
            writer.write("\n#\trequest status: " as StaticString)
            for (index, entry) in group.statuses.enumerated() {
                if index > 0 { writer.write(", " as StaticString) }
                writer.write(UInt64(entry.status))
                writer.write(" (" as StaticString)
                writer.write(entry.count)
                writer.write(byte: UInt8(ascii: ")"))
            }
            writer.write("\n#\tstate: " as StaticString)
            for (index, entry) in group.states.enumerated() {
                if index > 0 { writer.write(", " as StaticString) }
                writeState(&writer, entry.state)
                writer.write(" (" as StaticString)
                writer.write(entry.count)
                writer.write(byte: UInt8(ascii: ")"))
            }
            writer.write("\n#\torphaned: newest " as StaticString)
            writer.writeAge(snapshot.takenAt.since(group.newestOrphanedAt))
            writer.write(" ago, oldest " as StaticString)
            writer.writeAge(snapshot.takenAt.since(group.oldestOrphanedAt))
            writer.write(" ago; oldest created " as StaticString)
            writer.writeAge(snapshot.takenAt.since(group.oldestCreatedAt))
            writer.write(" ago\n\n" as StaticString)
        }
        return writer.bytes
    }

    static func json(orphans groups: [OrphanGroup], total: Int, query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 96 + groups.count * 400)
        jsonHeader(&writer, total: total, query: query)
        writer.write(#","group_by":""# as StaticString)
        writer.write(query.orphanGrouping.description)
        writer.write(#"","groups":["# as StaticString)
        for (index, group) in groups.enumerated() {
            if index > 0 { writer.write(byte: UInt8(ascii: ",")) }
            writer.write(#"{"count":"# as StaticString)
            writer.write(group.count)
            writer.write(#","route":"# as StaticString)
            writer.writeJSONString(group.key.route)
            writer.write(#","request_id":"# as StaticString)
            if let requestID = group.key.requestID { writer.writeJSONString(requestID) } else { writer.write("null" as StaticString) }
            writer.write(#","trace_id":"# as StaticString)
            if group.key.requestID != nil, !group.traceID.isEmpty {
                writer.writeJSONString(group.traceID)
            } else {
                writer.write("null" as StaticString)
            }
            writer.write(#","requests":"# as StaticString)
            writer.write(group.requests.count)
            writer.write(#","sites":["# as StaticString)
            for (siteIndex, site) in group.sites.enumerated() {
                if siteIndex > 0 { writer.write(byte: UInt8(ascii: ",")) }
                writer.write(#"{"count":"# as StaticString)
                writer.write(site.count)
                writer.write(#","name":"# as StaticString)
                writer.writeJSONString(site.name)
                writer.write(#","site":"# as StaticString)
                writer.writeJSONSite(site.site)
                writer.write(#","function":"# as StaticString)
                writer.writeJSONString(site.site.function)
                writer.write(byte: UInt8(ascii: "}"))
            }
            writer.write(#"],"statuses":{"# as StaticString)
            for (entryIndex, entry) in group.statuses.enumerated() {
                if entryIndex > 0 { writer.write(byte: UInt8(ascii: ",")) }
                writer.write(byte: UInt8(ascii: "\""))
                writer.write(UInt64(entry.status))
                writer.write(#"":"# as StaticString)
                writer.write(entry.count)
            }
            writer.write(#"},"states":{"# as StaticString)
            for (entryIndex, entry) in group.states.enumerated() {
                if entryIndex > 0 { writer.write(byte: UInt8(ascii: ",")) }
                var state = TaskProfileWriter(capacity: 32)
                writeState(&state, entry.state)
                writer.writeJSONString(String(decoding: state.bytes, as: UTF8.self))
                writer.write(byte: UInt8(ascii: ":"))
                writer.write(entry.count)
            }
            writer.write(#"},"newest_orphaned_seconds":"# as StaticString)
            writer.writeSeconds(snapshot.takenAt.since(group.newestOrphanedAt))
            writer.write(#","oldest_orphaned_seconds":"# as StaticString)
            writer.writeSeconds(snapshot.takenAt.since(group.oldestOrphanedAt))
            writer.write(#","oldest_age_seconds":"# as StaticString)
            writer.writeSeconds(snapshot.takenAt.since(group.oldestCreatedAt))
            writer.write(byte: UInt8(ascii: "}"))
        }
        writer.write("]}\n" as StaticString)
        return writer.bytes
    }
}
