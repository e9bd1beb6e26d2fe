import Testing
@testable import TaskRegistry

/// `debug=0`: the profile decoded back by `DecodedPprof`, a reader written apart from the
/// encoder (the integration tests read it with `go tool pprof` itself).
@Suite("TaskProfile pprof")
struct TaskProfilePprofTests {
    static let pprofQuery = TaskProfileQuery(debug: 0)

    func decoded(_ query: TaskProfileQuery = Self.pprofQuery,
                 _ snapshot: TaskSnapshot = TaskProfileTests.snapshot) throws -> DecodedPprof {
        let (contentType, body) = TaskProfile.render(query, snapshot: snapshot)
        #expect(contentType == "application/octet-stream")
        return try DecodedPprof(gzipped: body)
    }

    @Test func debug0IsAGzippedProfileShapedLikeGosGoroutineProfile() throws {
        let profile = try decoded()
        #expect(profile.sampleTypes.map { "\($0.type)/\($0.unit)" } == ["tasks/count"])
        #expect(profile.periodType == ("tasks", "count"))
        #expect(profile.period == 1)
        // One sample per debug=1 group, largest first, each with its count.
        #expect(profile.samples.map(\.values) == [[3], [2], [1]])
        #expect(profile.samples.map { $0.values[0] }.reduce(0, +) == Int64(TaskProfileTests.snapshot.tasks.count))
    }

    @Test func labelsNameTheTasksStateWaitReasonAndRouteButNoInstance() throws {
        let profile = try decoded()
        #expect(profile.samples.map(\.labels) == [
            ["name": ["validator"], "state": ["waiting"], "wait_reason": ["stock-reply"], "route": ["/a"]],
            ["name": ["request"], "state": ["running"], "route": ["/a"]],
            ["name": ["validator"], "state": ["waiting"], "wait_reason": ["stock-reply"], "route": ["/b"]],
        ])
        for requestID in ["r1", "r2", "r3", "r4", "r5"] {
            #expect(!profile.strings.contains(requestID), "per-request labels are left out, as in debug=1")
        }
    }

    @Test func theStackIsTheCreationSiteWithModuleFileAndLine() throws {
        let profile = try decoded()
        let validator = try #require(profile.samples.first)
        #expect(validator.stack.count == 1)
        let line = try #require(validator.stack.first?.lines.first)
        #expect(line.function.name == "OrderService.validate(ids:)")
        #expect(line.function.filename == "OrderService/StockValidator.swift")
        #expect(line.line == 42)
        // Both validator groups are at one site: one location, shared.
        #expect(profile.samples[2].stack.map(\.id) == validator.stack.map(\.id))
        #expect(profile.locations.count == 2)
        // One mapping that says the locations need no symbolization, so pprof tries none.
        let mapping = try #require(profile.mappings.first)
        #expect(profile.mappings.count == 1 && mapping.id == 1 && !mapping.filename.isEmpty)
        #expect(mapping.flags == [7: 1, 8: 1, 9: 1, 10: 1])
        #expect(profile.locations.values.allSatisfy { $0.mappingID == 1 })
    }

    @Test func timeIsTheSnapshotsAndAWindowGivesTheDuration() throws {
        let wall: Int64 = 1_800_000_000_000_000_000
        // The wall clock read 2 s after the snapshot was taken.
        let readAt = TaskInstant(nanoseconds: TaskProfileTests.now.nanoseconds + 2_000_000_000)
        let plain = TaskProfile.pprofProfile(tasks: TaskProfileTests.snapshot.tasks, query: Self.pprofQuery,
                                             snapshot: TaskProfileTests.snapshot, wallClock: (wall, readAt))
        let profile = try DecodedPprof(plain.encoded())
        #expect(profile.timeNanos == wall - 2_000_000_000)
        #expect(profile.durationNanos == 0)
        #expect(profile.comments.isEmpty)

        var windowQuery = Self.pprofQuery
        windowQuery.seconds = 5
        let windowed = try DecodedPprof(TaskProfile.pprofProfile(
            tasks: TaskProfileTests.snapshot.tasks, query: windowQuery, snapshot: TaskProfileTests.snapshot,
            wallClock: (wall, readAt)).encoded())
        #expect(windowed.timeNanos == wall - 7_000_000_000, "when the window opened")
        #expect(windowed.durationNanos == 5_000_000_000)
        #expect(windowed.comments == ["only tasks created in the last 5s and still alive"])
    }

    @Test func theRenderedProfileIsStampedWithTheWallClock() throws {
        let before = WallClock.now.nanoseconds
        let profile = try decoded(Self.pprofQuery, TaskSnapshot(tasks: TaskProfileTests.snapshot.tasks, takenAt: .now))
        let after = WallClock.now.nanoseconds
        #expect(profile.timeNanos >= before - 50_000_000 && profile.timeNanos <= after, "within the coarse clock's tick")
    }

    @Test(arguments: [
        (TaskProfileQuery(debug: 0, name: "request"), [Int64(2)]),
        (TaskProfileQuery(debug: 0, state: .running), [2]),
        (TaskProfileQuery(debug: 0, minAge: .seconds(50)), [2]),
        (TaskProfileQuery(debug: 0, name: "nothing-by-this-name"), []),
    ])
    func filtersApplyAsInTheOtherViews(query: TaskProfileQuery, counts: [Int64]) throws {
        let profile = try decoded(query)
        #expect(profile.samples.map { $0.values[0] } == counts)
        #expect(profile.sampleTypes.count == 1, "an empty profile is still a valid one")
    }

    @Test func labelsThatDifferSplitSamplesSoEachLabelIsTrueOfEveryTask() throws {
        let site = TaskProfileTests.validatorSite
        let snapshot = TaskSnapshot(tasks: [
            TaskProfileTests.task(1, "c", site: site, labels: ["proto": "h1", "conn_id": "1"], age: 1),
            TaskProfileTests.task(2, "c", site: site, labels: ["proto": "h2", "conn_id": "2"], age: 1),
            TaskProfileTests.task(3, "c", site: site, labels: ["proto": "h2", "conn_id": "3"], age: 1),
        ], takenAt: TaskProfileTests.now)
        let profile = try decoded(Self.pprofQuery, snapshot)
        #expect(profile.samples.map { $0.labels["proto"] } == [["h2"], ["h1"]])
        #expect(profile.samples.map { $0.values[0] } == [2, 1])
        #expect(profile.samples.allSatisfy { $0.labels["conn_id"] == nil })
    }

    /// Registers two tasks from one line, so their backtraces are equal.
    func registerTwo(_ registry: TaskRegistry) -> (tokens: [TaskToken], line: UInt) {
        var tokens: [TaskToken] = []
        for _ in 0..<2 {
            tokens.append(registry.register(name: "traced", parent: nil, labels: [:], site: TaskSite()))
        }
        return (tokens, #line - 2)
    }

    @Test func withBacktracesTheCallersFollowTheSite() throws {
        let registry = TaskRegistry(shardCount: 1, captureBacktraces: true) { 0 }
        let (tokens, line) = registerTwo(registry)
        defer { tokens.forEach(registry.end) }
        let profile = try decoded(Self.pprofQuery, registry.snapshot())
        let sample = try #require(profile.samples.first)
        #expect(profile.samples.count == 1 && sample.values == [2], "equal backtraces group")
        let site = try #require(sample.stack.first?.lines.first)
        #expect(site.function.filename == "TaskRegistryTests/TaskProfilePprofTests.swift" && site.line == Int64(line))
        #expect(site.function.name == "TaskRegistryTests.registerTwo(_:)")
        // The callers, symbolicated: this test function among them, and the site's own
        // captured frame not repeated after the site.
        let callers = sample.stack.dropFirst().flatMap(\.lines)
        #expect(callers.contains { $0.function.name.contains("withBacktracesTheCallersFollowTheSite") }, "\(callers)")
        #expect(!callers.contains { $0.function.filename.hasSuffix("/TaskProfilePprofTests.swift") && $0.line == Int64(line) })
        #expect(sample.stack.dropFirst().allSatisfy { $0.address != 0 })
    }

    @Test(arguments: [0, 1, 100_000])
    func gzipRoundTrips(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        // Half random, half repeated: both kinds of input deflate has to handle.
        let input = (0..<size).map { $0 < size / 2 ? UInt8.random(in: 0...255, using: &generator) : UInt8($0 % 7) }
        let compressed = try #require(Gzip.compress(input))
        #expect(compressed.starts(with: [0x1F, 0x8B, 8]), "gzip magic and deflate")
        #expect(try DecodedPprof.gunzip(compressed) == input)
    }
}
