#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `debug=0`: the registry as a gzipped pprof profile, in the form of Go's goroutine
/// profile, so `go tool pprof` (and Pyroscope, Parca, …) read it unchanged.
///
/// - Sample type and period type `tasks`/`count`, period 1; one value per sample: the
///   number of tasks in its group.
/// - Groups are `debug=1`'s (name, creation site, state with wait reason, labels without
///   the per-instance ones), split further by backtrace when backtraces are captured, so
///   every label on a sample is true of every task it counts.
/// - The stack: the creation site as the leaf (function `Module.function`, file
///   `Module/File.swift`, the line), then, with `--capture-backtraces`, the captured frames
///   leaf first, symbolicated once per distinct backtrace.
/// - String labels: `name`, `state` (`running` or `waiting`), `wait_reason` when waiting,
///   then the group's labels (`route`, `proto`, …).
/// - `time_nanos` is when the snapshot was taken (wall clock); with `seconds=N`, when the
///   window opened, with `duration_nanos` N seconds and a comment saying so.
extension TaskProfile {
    /// Content type of `debug=0`, as Go's `net/http/pprof` answers a binary profile.
    public static let pprofContentType = "application/octet-stream"
    /// The `Content-Disposition` of `debug=0`: saved as `tasks`, as Go names the file after
    /// the profile (`goroutine`).
    public static let pprofContentDisposition = #"attachment; filename="tasks""#

    /// The gzipped profile of `tasks` (the profile uncompressed, which pprof also reads, in
    /// the unlikely case that zlib fails).
    static func pprof(tasks: [TaskInfo], query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        let encoded = pprofProfile(tasks: tasks, query: query, snapshot: snapshot, wallClock: WallClock.now).encoded()
        guard let compressed = Gzip.compress(encoded) else { return encoded }
        return compressed
    }

    /// The profile of `tasks`; `wallClock` is read when the snapshot's monotonic age is
    /// measured, to place the snapshot in time.
    static func pprofProfile(tasks: [TaskInfo], query: TaskProfileQuery, snapshot: TaskSnapshot,
                             wallClock: (nanoseconds: Int64, monotonic: TaskInstant)) -> PprofProfile {
        var profile = PprofProfile(sampleType: ("tasks", "count"), periodType: ("tasks", "count"), period: 1)
        profile.mainBinary = Self.executablePath
        let snapshotAge = wallClock.monotonic.since(snapshot.takenAt)
        profile.timeNanos = wallClock.nanoseconds - Self.nanoseconds(snapshotAge)
        if let seconds = query.seconds {
            profile.durationNanos = Int64(seconds) * 1_000_000_000
            profile.timeNanos -= profile.durationNanos
            profile.addComment("only tasks created in the last \(seconds)s and still alive")
        }

        var siteLocations: [TaskSite: UInt64] = [:]
        var symbolicated: [[UInt64]: [TaskBacktrace.Frame]] = [:]
        for group in PprofGroup.groups(tasks) {
            var stack: [UInt64] = []
            if let location = siteLocations[group.key.site] {
                stack.append(location)
            } else {
                let location = siteLocation(group.key.site, in: &profile)
                siteLocations[group.key.site] = location
                stack.append(location)
            }
            if let backtrace = group.backtrace {
                let frames: [TaskBacktrace.Frame]
                if let known = symbolicated[group.addresses] {
                    frames = known
                } else {
                    frames = backtrace.symbolicatedFrameFunctions()
                    symbolicated[group.addresses] = frames
                }
                for frame in callers(of: group.key.site, in: frames) {
                    stack.append(frameLocation(frame, in: &profile))
                }
            }
            var labels: [(key: String, value: String)] = [("name", group.key.name), ("state", group.key.state.kind)]
            if let reason = group.key.state.waitReason { labels.append(("wait_reason", reason)) }
            for (key, value) in group.key.labels { labels.append((key, value)) }
            profile.addSample(locationIDs: stack, values: [Int64(group.count)], labels: labels)
        }
        return profile
    }

    /// The creation site as a location: `Module.function` in `Module/File.swift` at its line.
    static func siteLocation(_ site: TaskSite, in profile: inout PprofProfile) -> UInt64 {
        let fileID = site.fileID.description
        let function = site.function.description
        var name = function
        if let slash = fileID.firstIndex(of: "/") { name = "\(fileID[..<slash]).\(function)" }
        let functionID = profile.functionID(name: name, filename: fileID)
        return profile.locationID(PprofProfile.Location(address: 0, lines: [PprofProfile.Line(functionID: functionID,
                                                                                              line: Int64(site.line))]))
    }

    /// The frames that called the creation site: those after the site's own frame (same file
    /// name and line), so that the registry's frames (`spawn`, `register`) and a second copy
    /// of the site do not sit between the site and its callers. All of them when no frame
    /// matches (no line tables, or a site given by hand).
    static func callers(of site: TaskSite, in frames: [TaskBacktrace.Frame]) -> ArraySlice<TaskBacktrace.Frame> {
        let fileID = site.fileID.description
        let fileName = fileID.split(separator: "/").last.map { "/" + $0 } ?? fileID
        let line = Int(site.line)
        let siteFrame = frames.firstIndex { frame in
            frame.functions.contains { $0.line == line && $0.file.hasSuffix(fileName) }
        }
        guard let siteFrame else { return frames[...] }
        return frames[(siteFrame + 1)...]
    }

    /// A symbolicated backtrace frame as a location, its inlined functions as extra lines.
    static func frameLocation(_ frame: TaskBacktrace.Frame, in profile: inout PprofProfile) -> UInt64 {
        let lines = frame.functions.map { function in
            PprofProfile.Line(functionID: profile.functionID(name: function.name, systemName: function.rawName,
                                                             filename: function.file),
                              line: Int64(function.line))
        }
        return profile.locationID(PprofProfile.Location(address: frame.address, lines: lines))
    }

    /// The running binary's path, for the profile's one mapping; read once.
    static let executablePath: String = {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 { return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #endif
        return CommandLine.arguments.first ?? "unknown"
    }()

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}

/// A `debug=0` sample: tasks with one `debug=1` group key and one backtrace.
struct PprofGroup {
    struct Key: Hashable {
        var group: TaskGroup.Key
        /// The backtrace's addresses; empty without one.
        var addresses: [UInt64]
    }

    var key: TaskGroup.Key
    var addresses: [UInt64]
    /// One member's backtrace, symbolicated for the whole group.
    var backtrace: TaskBacktrace?
    var count: Int
    var oldestCreatedAt: TaskInstant
    var firstID: TaskID

    /// The groups of `tasks`, largest first, then oldest, then by lowest id (as `debug=1`).
    static func groups(_ tasks: [TaskInfo]) -> [PprofGroup] {
        var groups: [PprofGroup] = []
        var index: [Key: Int] = [:]
        // Through a buffer pointer, field by field: `for task in tasks` copied each whole
        // entry (see TaskGroup.profile).
        tasks.withUnsafeBufferPointer { tasks in
            for position in tasks.indices {
                var addresses: [UInt64] = []
                if let backtrace = tasks[position].backtrace { addresses = backtrace.addresses }
                let key = Key(group: TaskGroup.Key(name: tasks[position].name, site: tasks[position].site,
                                                   state: tasks[position].state,
                                                   labels: tasks[position].labels.removing(where: TaskProfile.isPerInstanceLabel)),
                              addresses: addresses)
                let createdAt = tasks[position].createdAt, id = tasks[position].id
                if let found = index[key] {
                    groups[found].count += 1
                    groups[found].oldestCreatedAt = min(groups[found].oldestCreatedAt, createdAt)
                    groups[found].firstID = min(groups[found].firstID, id)
                } else {
                    index[key] = groups.count
                    groups.append(PprofGroup(key: key.group, addresses: addresses, backtrace: tasks[position].backtrace,
                                             count: 1, oldestCreatedAt: createdAt, firstID: id))
                }
            }
        }
        return groups.sorted { left, right in
            if left.count != right.count { return left.count > right.count }
            if left.oldestCreatedAt != right.oldestCreatedAt { return left.oldestCreatedAt < right.oldestCreatedAt }
            return left.firstID < right.firstID
        }
    }
}

/// The wall clock, read beside the registry's monotonic one.
enum WallClock {
    /// Nanoseconds since the Unix epoch, and the monotonic instant read with it.
    static var now: (nanoseconds: Int64, monotonic: TaskInstant) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let monotonic = TaskInstant.now
        return (Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec), monotonic)
    }
}
