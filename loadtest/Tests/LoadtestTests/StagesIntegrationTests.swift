import Foundation
import LoadTest
import Testing

/// `--stages` and `--start-at` with the built `loadtest` against the built `orders`.
@Suite(.serialized)
struct StagesIntegrationTests {
    @Test func achievedRateFollowsTheRampEachSecond() throws {
        // Two server threads: at 10 000/s a single one has little room left when other
        // suites run beside this one, and a second's shortfall would be the server's.
        let server = try OrdersServer(["--threads", "2"])
        let before = try server.metrics()
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--stages", "2s:2000/s,3s:10000/s,2s:10000/s",
                                   "-c", "16", "--threads", "2"])
        #expect(run.status == 0, "\(run.output)")
        let served = LoadtestIntegrationTests.count(try server.metrics()) - LoadtestIntegrationTests.count(before)
        let requests = try #require(run.report["requests"] as? [String: Any])
        // The schedule made the integral of the ramp due: 2000 + 18000 + 20000. Each was
        // answered, or counted unsent when the client fell behind (a few dozen at the
        // very end, when the suite's other servers share the two cores); the server
        // answered exactly what was sent.
        let responses = requests["responses"] as? Int ?? 0, unsent = requests["unsent"] as? Int ?? 0
        #expect(abs(responses + unsent - 40_000) <= 1, "\(requests)")
        #expect(unsent <= 400, "at most 1% unsent: \(requests)")
        #expect(abs(served - responses) <= 1, "the server counted \(served)")
        let timeline = try #require(run.report["timeline"] as? [[String: Any]])
        // Every second of the ramp is a full second (the stages add up to 7 s); the 8th holds
        // the last answers of the drain, whose target is 0.
        #expect(timeline.count >= 7)
        for point in timeline.prefix(7) {
            let second = try #require(point["second"] as? Int)
            let target = try #require(point["target_rps"] as? Double)
            let achieved = try #require(point["achieved_rps"] as? Double)
            #expect(abs(achieved - target) / target <= 0.02, "second \(second): target \(target), achieved \(achieved)")
        }
        #expect(run.output.contains("stages   0→2000/s in 2.00s, 2000→10000/s in 3.00s, 10000/s for 2.00s"))
    }

    @Test func connectionStagesOpenAndCloseConnections() throws {
        let server = try OrdersServer()
        // Up: 1 connection, then a step to 6.
        let up = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "-c", "1", "--stages", "500ms:1,0s:6,1s:6"])
        #expect(up.status == 0, "\(up.output)")
        let requests = try #require(up.report["requests"] as? [String: Any])
        #expect(requests["connects"] as? Int == 6, "\(requests)")
        let config = try #require(up.report["config"] as? [String: Any])
        #expect(config["connections"] as? Int == 6)
        #expect(config["mode"] as? String == "closed")
        let timeline = try #require(up.report["timeline"] as? [[String: Any]])
        #expect(timeline.first?["target_connections"] as? Double == 3.5, "half a second of 1, half of 6")

        // Down: 8 connections for a second, then 2; the server sees the others close.
        let process = Process()
        process.executableURL = builtProduct("loadtest")
        process.arguments = ["http://127.0.0.1:\(server.port)/plaintext", "-c", "8", "--stages", "1s:8,0s:2,2s:2"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(700_000)
        let early = try server.metrics().sum("http_connections_active")
        usleep(1_300_000)
        let late = try server.metrics().sum("http_connections_active")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(early == 8, "all 8 in use during the first stage")
        #expect(late == 2, "6 closed once the ramp went down to 2")
    }

    @Test func startAtDelaysTheStart() throws {
        let server = try OrdersServer()
        let begun = Date()
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--start-at", "+2s", "--requests", "100",
                                   "-c", "2"])
        #expect(run.status == 0, "\(run.output)")
        let startedAt = try #require((run.report["started_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        // started_at has whole seconds; the start is 2 s after the command began.
        #expect(abs(startedAt.timeIntervalSince(begun) - 2) < 1.1, "\(startedAt) vs \(begun)")
        #expect(Date().timeIntervalSince(begun) >= 2)
        #expect((run.report["requests"] as? [String: Any])?["responses"] as? Int == 100)
    }

    @Test(arguments: [
        (["--stages", "1s:100/s", "--duration", "2s"], "leave out --duration"),
        (["--stages", "1s:100/s,1s:4"], "mixes rates"),
        (["--stages", "1s"], "expected DURATION:TARGET"),
        (["--stages", "1s:-5/s"], "must not be negative"),
        (["--stages", "0s:5/s"], "total duration is zero"),
        (["--stages", "25h:5/s"], "at most 24h"),
        (["--stages", "1s:4", "--rate", "100"], "write rates as N/s"),
        (["--start-at", "2020-01-01T00:00:00Z"], "has passed"),
        (["--start-at", "+48h"], "more than 24h ahead"),
    ] as [([String], String)])
    func badInputExits64AndSendsNothing(arguments: [String], message: String) throws {
        let server = try OrdersServer()
        let before = LoadtestIntegrationTests.count(try server.metrics())
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext"] + arguments)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains(message), "\(run.output)")
        #expect(LoadtestIntegrationTests.count(try server.metrics()) == before, "nothing was sent")
    }
}
