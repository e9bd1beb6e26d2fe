import Foundation
import Testing

/// `/debug/tasks?debug=0` read by the real `go tool pprof` (Debian's golang-go, which
/// scripts/install-deps.sh installs), as an SRE would read a Go service's goroutine profile.
@Suite(.serialized)
struct GoToolPprofTests {
    static let site = "OrderService.startValidationChild(for:request:settings:)"

    /// Runs `go tool pprof` with `arguments`; fetched profiles are saved under `directory`.
    static func pprof(_ arguments: [String], directory: URL) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["go", "tool", "pprof"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PPROF_TMPDIR"] = directory.path
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Reports are a few kilobytes: neither pipe fills while the other is read.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 127, "go is missing: run scripts/install-deps.sh (golang-go)")
        return (process.terminationStatus, text, errorText)
    }

    /// The flat count `-top` gives the line naming `function` (nil when none does).
    static func flatCount(of function: String, inTop report: String) -> Int? {
        for line in report.split(separator: "\n") where line.contains(function) {
            return line.split(separator: " ").first.flatMap { Int($0) }
        }
        return nil
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pprof-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func leak(_ server: ServerProcess, count: Int, from first: Int) throws {
        let statuses = try TaskLeakTests.load(server, count: count) { "\(first + $0)" }
        #expect(statuses.allSatisfy { $0 == 500 }, "each request leaks its missing id's child")
    }

    @Test func topNamesTheValidatorsSiteWithTheExactCountOfLeakedChildren() throws {
        let server = try ServerProcess(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.leak(server, count: 40, from: 50_000)
        let url = "http://127.0.0.1:\(server.adminPort)/debug/tasks?debug=0"

        let download = try Curl.run(["-o", directory.appendingPathComponent("tasks.pb.gz").path, url])
        #expect(download.status == 200)
        #expect(download.headers.lowercased().contains("content-type: application/octet-stream"))
        #expect(download.headers.contains(#"Content-Disposition: attachment; filename="tasks""#))

        let top = try Self.pprof(["-top", "-timeout", "20", url], directory: directory)
        #expect(top.status == 0, "\(top.errors)")
        #expect(top.output.contains("Type: tasks"), "\(top.output)")
        #expect(Self.flatCount(of: Self.site, inTop: top.output) == 40, "\(top.output)")
        #expect(!top.errors.contains("Main binary filename not available"), "nothing left to symbolize: \(top.errors)")

        // By line: the site's file and line, as pprof's `-lines` granularity shows them.
        let lines = try Self.pprof(["-top", "-lines", directory.appendingPathComponent("tasks.pb.gz").path], directory: directory)
        #expect(lines.status == 0, "\(lines.errors)")
        let siteLine = lines.output.split(separator: "\n").first { $0.contains(Self.site) }
        #expect(siteLine?.contains("OrderService/OrderService+ValidationChildren.swift:") == true, "\(lines.output)")
        #expect(siteLine?.split(separator: " ").first == "40")
    }

    @Test func baseShowsOnlyTheGrowthBetweenTwoSnapshots() throws {
        let server = try ServerProcess(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = "http://127.0.0.1:\(server.adminPort)/debug/tasks?debug=0"
        let old = directory.appendingPathComponent("old.pb.gz").path, new = directory.appendingPathComponent("new.pb.gz").path

        try Self.leak(server, count: 30, from: 60_000)
        #expect(try Curl.run(["-o", old, url]).status == 200)
        try Self.leak(server, count: 12, from: 61_000)
        #expect(try Curl.run(["-o", new, url]).status == 200)

        let whole = try Self.pprof(["-top", new], directory: directory)
        #expect(Self.flatCount(of: Self.site, inTop: whole.output) == 42, "\(whole.output)")
        let growth = try Self.pprof(["-top", "-base", old, new], directory: directory)
        #expect(growth.status == 0, "\(growth.errors)")
        #expect(Self.flatCount(of: Self.site, inTop: growth.output) == 12, "\(growth.output)")
        #expect(growth.output.contains("of 12 total"), "only the new leaks, not the baseline: \(growth.output)")
    }

    @Test func tracesAndTagsShowTheLabels() throws {
        // Found orders wait 4 s in the slow inventory cache: a request in flight, with its route.
        let server = try ServerProcess(["--fault", "missing-ok-check", "--fault", "slow-inventory",
                                        "--slow-inventory-latency", "4000", "--stock-latency", "1"])
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.leak(server, count: 5, from: 70_000)
        let slowDone = DispatchSemaphore(value: 0)
        let waiter = Thread {
            _ = try? Curl.run(["--max-time", "15", "http://127.0.0.1:\(server.port)/api/v1/order/map?ids=1"])
            slowDone.signal()
        }
        waiter.start()
        defer { slowDone.wait() }
        // Wait for the request to show up waiting on the cache (it waits 4 s there).
        let deadline = Date().addingTimeInterval(3)
        var inFlight = false
        while !inFlight && Date() < deadline {
            let profile = try TaskLeakTests.profile(server, "debug=1&format=json&state=inventory-cache")
            inFlight = (profile["total"] as? Int).map { $0 > 0 } == true
            if !inFlight { usleep(20_000) }
        }
        #expect(inFlight, "the slow request is in flight")
        let url = "http://127.0.0.1:\(server.adminPort)/debug/tasks?debug=0"
        let file = directory.appendingPathComponent("tasks.pb.gz").path
        #expect(try Curl.run(["-o", file, url]).status == 200)

        let traces = try Self.pprof(["-traces", file], directory: directory)
        #expect(traces.status == 0, "\(traces.errors)")
        for label in ["name:  stock-validation", "state:  waiting", "wait_reason:  stock-reply", Self.site,
                      "route:  /api/v1/order/map", "wait_reason:  inventory-cache"] {
            #expect(traces.output.contains(label), "\(label) in \(traces.output)")
        }

        let tags = try Self.pprof(["-tags", file], directory: directory)
        #expect(tags.status == 0, "\(tags.errors)")
        for tag in [" name: Total", "stock-validation", " wait_reason: Total", "stock-reply", "inventory-cache",
                    " route: Total", "/api/v1/order/map", " state: Total", "waiting"] {
            #expect(tags.output.contains(tag), "\(tag) in \(tags.output)")
        }
        // The children counted under their name: the 5 leaked, and the slow request's own.
        let children = tags.output.split(separator: "\n").first { $0.hasSuffix(": stock-validation") }
        #expect(children?.split(separator: " ").first.flatMap { Double($0) } == 6, "\(tags.output)")
    }

    @Test(arguments: [("debug=0&format=json", "format"), ("debug=0&view=leaks", "view"), ("debug=-1", "debug")])
    func debug0WithAParameterThatDoesNotApplyIs400(query: String, parameter: String) throws {
        let server = try ServerProcess()
        let result = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?\(query)"])
        #expect(result.status == 400)
        #expect(result.body.contains(#""code":"invalid_parameter""#), "\(result.body)")
        #expect(result.body.contains(#""parameter":"\#(parameter)""#), "\(result.body)")
    }
}
