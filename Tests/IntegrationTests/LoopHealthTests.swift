import Foundation
import Testing

/// Event-loop health against the real binary: the `stall` fault, which blocks a loop's
/// thread for 200 ms inside one `/plaintext` request, is seen from inside the server: once
/// per stall in the log, in `eventloop_stalls_total` and at `/debug/loops`, with the loop,
/// the length and the request (route and the `X-Request-Id` its client sent). Ordinary
/// traffic reports no stall, and the loops' histograms count what they ran.
@Suite(.serialized)
struct LoopHealthTests {
    static func loops(_ server: ServerProcess, query: String = "") throws -> [[String: Any]] {
        let response = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/loops\(query)"])
        #expect(response.status == 200)
        #expect(response.headers.lowercased().contains("content-type: application/json"))
        let body = try #require(Curl.json(response.body), "not a JSON object: \(response.body)")
        return try #require(body["loops"] as? [[String: Any]])
    }

    /// The filed stall whose request id is `id`, with its loop's index, waiting up to two
    /// seconds for the stalled iteration to end and the watchdog to file it.
    static func filedStall(_ server: ServerProcess, id: String) throws -> (loop: Int, stall: [String: Any])? {
        for _ in 0..<100 {
            for loop in try loops(server) {
                for stall in loop["recent_stalls"] as? [[String: Any]] ?? [] where stall["request_id"] as? String == id {
                    return (loop["index"] as? Int ?? -1, stall)
                }
            }
            usleep(20_000)
        }
        return nil
    }

    static func stallLines(_ server: ServerProcess) -> [Substring] {
        server.log.split(separator: "\n").filter { $0.contains("event loop stalled") }
    }

    @Test func eachStallOfTheFaultIsLoggedCountedAndListedOnceWithItsRequest() throws {
        let server = try ServerProcess(["--fault", "stall"])  // the default threshold, 100 ms
        var counts = try Self.stallCounts(server)
        #expect(counts == [0, 0])
        for round in 1...2 {
            let id = "stall-probe-\(round)"
            let start = Date()
            let response = try Curl.run(["-H", "X-Request-Id: \(id)", "http://127.0.0.1:\(server.port)/plaintext"])
            #expect(response.status == 200)
            #expect(Date().timeIntervalSince(start) >= 0.19, "the fault blocked the request's loop")
            let (loop, stall) = try #require(try Self.filedStall(server, id: id), "no stall for \(id) at /debug/loops")
            #expect(stall["route"] as? String == "/plaintext")
            let duration = try #require(stall["duration_ms"] as? Double)
            #expect(duration >= 190 && duration < 5000, "\(duration) ms")
            let startedAt = try #require(stall["started_at"] as? String)
            #expect(startedAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(startedAt)")

            // Up by exactly one on the stalled loop, and nowhere else.
            var expected = counts
            expected[loop] += 1
            counts = try Self.stallCounts(server)
            #expect(counts == expected)
            let listed = try Self.loops(server).first { $0["index"] as? Int == loop }
            #expect(listed?["stalls_total"] as? Int == counts[loop])
            // A 200 ms stall is looked at about eight times, and logged once.
            let lines = Self.stallLines(server).filter { $0.contains("request_id=\(id)") }
            #expect(lines.count == 1, "\(Self.stallLines(server))")
            #expect(lines.first?.contains("warning") == true)
            #expect(lines.first?.contains("route=/plaintext") == true)
            #expect(lines.first?.contains("loop=\(loop) ") == true)
            if round == 1 { usleep(1_050_000) }  // the fault stalls at most once a second
        }
        #expect(Self.stallLines(server).count == 2)
        #expect(try Self.loops(server).allSatisfy { $0["stalled"] as? Bool == false })
    }

    /// `eventloop_stalls_total` of loops 0 and 1.
    static func stallCounts(_ server: ServerProcess) throws -> [Int] {
        let metrics = try MetricsScrape.fetch(adminPort: server.adminPort)
        return try (0...1).map { try #require(metrics.value("eventloop_stalls_total", ["loop": "\($0)"])).rounded() }.map { Int($0) }
    }

    @Test func ordinaryTrafficReportsNoStallAndTheHistogramsCountIt() throws {
        // Sleeps on the loop (the slow inventory) give the lag histogram timers to measure.
        let server = try ServerProcess(["--fault", "slow-inventory", "--slow-inventory-latency", "2"])
        let connection = try RawConnection(port: server.port)
        let statuses = try connection.pipeline(Array(repeating: "/plaintext", count: 400) + Array(repeating: "/json", count: 100))
        #expect(statuses.allSatisfy { $0 == 200 })
        for _ in 0..<5 {
            #expect(try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/order/map?ids=1,2,3"]).status == 200)
        }
        let metrics = try MetricsScrape.fetch(adminPort: server.adminPort)
        #expect(metrics.sum("eventloop_stalls_total") == 0)
        #expect(metrics.value("eventloop_stalls_total", ["loop": "0"]) == 0, "every loop has a series")
        #expect(metrics.value("eventloop_stalls_total", ["loop": "1"]) == 0)
        for family in ["eventloop_iteration_seconds", "eventloop_lag_seconds"] {
            for loop in ["0", "1"] {
                let count = try #require(metrics.value("\(family)_count", ["loop": loop]), "\(family) loop \(loop)")
                #expect(metrics.value("\(family)_bucket", ["loop": loop, "le": "+Inf"]) == count)
                #expect(metrics.value("\(family)_bucket", ["loop": loop, "le": "0.00001"]) ?? -1 <= count)
            }
        }
        // Pipelined batches share iterations, but 500 requests took some, and 15 sleeps ran.
        let iterations = metrics.sum("eventloop_iteration_seconds_count")
        #expect(iterations >= 16 && iterations < 100_000, "\(iterations)")
        #expect(metrics.sum("eventloop_iteration_seconds_sum") > 0)
        #expect(metrics.sum("eventloop_lag_seconds_count") == 15, "one sleep per order, three orders a request")
        let lag = metrics.sum("eventloop_lag_seconds_sum")
        #expect(lag >= 0 && lag < 15 * 0.1, "\(lag) s late in all")

        for loop in try Self.loops(server) {
            #expect(loop["stalled"] as? Bool == false)
            #expect(loop["stalls_total"] as? Int == 0)
            #expect((loop["recent_stalls"] as? [Any])?.isEmpty == true)
            let iterationSummary = try #require(loop["iterations"] as? [String: Any])
            #expect((iterationSummary["count"] as? Int ?? 0) > 0)
        }
        #expect(Self.stallLines(server).isEmpty)
    }

    @Test func unknownQueryParametersAreIgnoredAndOnlyGETReads() throws {
        let server = try ServerProcess()
        let plain = try Self.loops(server)
        let queried = try Self.loops(server, query: "?loop=7&format=text&x")
        #expect(plain.map { $0["index"] as? Int } == [0, 1])
        #expect(queried.map { $0["index"] as? Int } == [0, 1])
        let body = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/loops"]).body))
        #expect(body["stall_threshold_ms"] as? Int == 100)

        let post = try Curl.run(["-X", "POST", "http://127.0.0.1:\(server.adminPort)/debug/loops"])
        #expect(post.status == 405)
        #expect(post.headers.lowercased().contains("allow: get"))
        let error = try #require(Curl.json(post.body)?["error"] as? [String: Any])
        #expect(error["code"] as? String == "method_not_allowed")

        let index = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/"])
        #expect(index.body.contains("href=\"/debug/loops\""))
    }

    @Test func theThresholdIsTheOneGiven() throws {
        let server = try ServerProcess(["--stall-threshold", "250"])
        let body = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/loops"]).body))
        #expect(body["stall_threshold_ms"] as? Int == 250)
    }

    /// Runs `orders serve` with `arguments`, expecting it to refuse them at once.
    static func refuse(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = ServerProcess.binaryURL
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [
        (["--stall-threshold", "0"], "--stall-threshold must be between 10 and 60000"),
        (["--stall-threshold", "9"], "--stall-threshold must be between 10 and 60000"),
        (["--stall-threshold", "60001"], "--stall-threshold must be between 10 and 60000"),
        (["--stall-threshold", "-5"], "--stall-threshold"),
        (["--stall-threshold", "abc"], "'abc' is invalid for '--stall-threshold"),
        (["--stall-threshold", "1.5"], "'1.5' is invalid for '--stall-threshold"),
        (["--stall-threshold", "100ms"], "'100ms' is invalid for '--stall-threshold"),
        (["--stall-threshold"], "Missing value for '--stall-threshold"),
    ])
    func badThresholdsAreRefusedWithUsageErrors(_ arguments: [String], _ message: String) throws {
        let run = try Self.refuse(arguments)
        #expect(run.status == 64, "exit status \(run.status): \(run.output)")
        #expect(run.output.contains(message), "\(run.output)")
        #expect(!run.output.contains("listening"))
    }
}
