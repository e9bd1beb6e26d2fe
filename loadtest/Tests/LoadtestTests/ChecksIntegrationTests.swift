import Foundation
import LoadTest
import Synchronization
import Testing

/// Scenario checks against the real server (HTTP/1.1 and h2c), against a scripted server
/// for what this server never sends (chunked bodies, bodies over the bound), and the bad
/// inputs that stop a run before anything is sent.
@Suite(.serialized)
struct ChecksIntegrationTests {
    static let server = Result { try OrdersServer(["--disable-access-log"]) }

    /// Two entries that pass, two that fail every time, one without checks.
    static let scenario = #"""
        {
          "seed": 3,
          "requests": [
            {"name": "alice", "path": "/api/v1/user/fetch?name=alice",
             "expect": {"status": [200], "body_contains": "\"email\":", "json": {"/name": "alice", "/id": 1}}},
            {"name": "missing", "path": "/api/v1/user/fetch?name=nobody", "expect": {"status": [404]}},
            {"name": "bob is not alice", "path": "/api/v1/user/fetch?name=bob",
             "expect": {"status": [200], "json": {"/name": "alice"}}},
            {"name": "plaintext is not 204", "path": "/plaintext", "expect": {"status": [201, 204]}},
            {"name": "unchecked", "path": "/plaintext"}
          ]
        }
        """#

    static func entry(_ report: [String: Any], _ name: String) throws -> [String: Any] {
        let entries = try #require(report["by_request"] as? [[String: Any]])
        return try #require(entries.first { $0["name"] as? String == name }, "\(name) in \(entries)")
    }

    @Test(arguments: [["--pipeline", "4"], ["--h2c", "--streams", "8"]])
    func checksPassAndFailAsConfigured(protocolArguments: [String]) throws {
        let server = try Self.server.get()
        let scenario = try temporaryFile(Self.scenario)
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("checks-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: html) }
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "1000",
                                   "-c", "2", "--threads", "2", "--html", html.path] + protocolArguments)
        #expect(run.status == 0, "check failures alone do not fail a run: \(run.output)")
        var failing = 0, checked = 0
        for name in ["alice", "missing", "bob is not alice", "plaintext is not 204"] {
            let entry = try Self.entry(run.report, name)
            let responses = try #require(entry["responses"] as? Int)
            let checks = try #require(entry["checks"] as? [String: Any], "\(name): \(entry)")
            #expect(responses > 0)
            #expect(checks["checked"] as? Int == responses, "every response of \(name) was checked")
            let failed = try #require(checks["failed"] as? Int)
            let byCheck = try #require(checks["by_check"] as? [String: Int])
            checked += responses
            switch name {
            case "alice":
                #expect(failed == 0, "\(checks)")
                #expect(byCheck == ["status": 0, "body_contains": 0, "json /name": 0, "json /id": 0])
            case "missing":
                #expect(failed == 0, "\(checks)")
            case "bob is not alice":
                #expect(failed == responses)
                #expect(byCheck == ["status": 0, "json /name": responses])
                #expect(checks["first_failure"] as? String == #"json /name is "bob", expected "alice""#)
            default:
                #expect(failed == responses)
                #expect(checks["first_failure"] as? String == "status 200 is not one of 201, 204")
            }
            failing += failed
        }
        #expect(try Self.entry(run.report, "unchecked")["checks"] == nil)
        let total = try #require(run.report["checks"] as? [String: Any])
        #expect(total["checked"] as? Int == checked)
        #expect(total["failed"] as? Int == failing)
        #expect(run.output.contains("bob is not alice: \(try Self.entry(run.report, "bob is not alice")["responses"] as? Int ?? -1) of"))
        #expect(run.output.contains("checks   \(failing) of \(checked) responses failed"), "\(run.output)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("<h2>Checks</h2>\n<p>\(failing) of \(checked) checked responses failed"))
        #expect(page.contains("<td>bob is not alice</td>"))
        #expect(page.contains("json /name is &quot;bob&quot;, expected &quot;alice&quot;"), "the reason, escaped")
    }

    /// (limit, exit status): about half the checked responses fail.
    @Test(arguments: [(0.1, Int32(1)), (0.9, Int32(0))])
    func maxCheckFailuresIsAClientThreshold(limit: Double, status: Int32) throws {
        let server = try Self.server.get()
        let scenario = try temporaryFile(Self.scenario)
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "400", "-c", "2",
                                   "--max-check-failures", String(limit)])
        #expect(run.status == status, "\(run.output)")
        let thresholds = try #require(run.report["thresholds"] as? [String: Any])
        #expect((thresholds["limits"] as? [String: Any])?["max_check_failure_rate"] as? Double == limit)
        #expect(run.output.contains("THRESHOLD CROSSED: check failure rate") == (status == 1), "\(run.output)")
    }

    /// A chunked JSON body whose text and fields span chunks; a body over 64 KiB.
    @Test func chunkedAndOversizedBodies() throws {
        let chunked = try ScriptedServer(.reply(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "7\r\n{\"id\": \r\n" + "9\r\n7, \"name\"\r\n" + "a\r\n: \"alice\"}\r\n" + "0\r\n\r\n"))
        let scenario = try temporaryFile(#"""
            {"requests": [{"name": "chunked", "path": "/u",
                           "expect": {"body_contains": "\"name\": \"alice\"", "json": {"/id": 7, "/name": "alice"}}}]}
            """#)
        let passing = try runLoadtest(["http://127.0.0.1:\(chunked.port)", "--scenario", scenario, "--requests", "50", "-c", "1"])
        let checks = try #require(try Self.entry(passing.report, "chunked")["checks"] as? [String: Any], "\(passing.output)")
        #expect(checks["checked"] as? Int == 50)
        #expect(checks["failed"] as? Int == 0, "\(checks)")

        let big = try ScriptedServer(.reply("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + String(repeating: "a", count: 70_000)))
        let oversized = try runLoadtest(["http://127.0.0.1:\(big.port)", "--scenario", scenario, "--requests", "20", "-c", "1"])
        let bigChecks = try #require(try Self.entry(oversized.report, "chunked")["checks"] as? [String: Any], "\(oversized.output)")
        #expect(bigChecks["failed"] as? Int == 20)
        #expect(bigChecks["by_check"] as? [String: Int] == ["body_contains": 20, "json /id": 20, "json /name": 20])
        #expect((bigChecks["first_failure"] as? String)?.contains("body longer than 64 KiB was not kept") == true, "\(bigChecks)")
        #expect((oversized.report["requests"] as? [String: Any])?["responses"] as? Int == 20, "the response itself is fine")
    }

    /// A 34 KB order map, kept whole across HTTP/2 DATA frames (and HTTP/1.1 reads) under
    /// the default bound, and refused under a 16 KiB one: the body checks fail with the
    /// reason, the status check still passes.
    @Test(arguments: [false, true])
    func bodiesAreKeptUpToTheBound(h2c: Bool) throws {
        let server = try Self.server.get()
        let ids = (1...100).map(String.init).joined(separator: ",")
        let scenario = try Scenario.parse(json: Data(#"""
            {"requests": [{"name": "map", "path": "/api/v1/order/map?ids=\#(ids)",
                           "expect": {"status": [200], "body_contains": "\"not_found\":[]",
                                      "json": {"/orders/0/id": 1, "/orders/99/id": 100}}}]}
            """#.utf8))
        for limit in [64 * 1024, 16 * 1024] {
            var config = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:\(server.port)"), scenario: scenario)
            config.connections = 2
            config.http2 = h2c
            config.streams = 4
            config.requests = 200
            config.checkBodyLimit = limit
            let result = try LoadRunner(configuration: config).run()
            #expect(result.stats.statusCounts == [200: 200])
            let checks = try #require(result.checks?[0])
            #expect(checks.checked == 200)
            if limit == 64 * 1024 {
                #expect(checks.failed == 0, "\(checks)")
            } else {
                #expect(checks.failed == 200)
                #expect(checks.failures == [0, 200, 200, 200], "status passes; body_contains and both pointers fail")
                #expect(checks.firstFailure?.contains("body longer than 16 KiB was not kept") == true, "\(checks)")
            }
        }
    }

    /// (scenario expect, arguments, message): exit 64, and nothing reaches the server.
    @Test(arguments: [
        (#"{"status": [700]}"#, [String](), "expect.status 700 is not within 100...599"),
        (#"{"json": {"name": "alice"}}"#, [], "must be empty or start with /"),
        (#"{"json": {"/a~2": 1}}"#, [], "~ must be followed by 0 or 1"),
        (#"{"stauts": [200]}"#, [], "unknown key"),
        (#"{"status": [200]}"#, ["--max-check-failures", "1.5"], "--max-check-failures must be within 0...1"),
    ])
    func badChecksAreUsageErrors(expect: String, arguments: [String], message: String) throws {
        let server = try RecordingServer()
        let scenario = try temporaryFile(#"{"requests": [{"path": "/x", "expect": \#(expect)}]}"#)
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "10"] + arguments)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains(message), "\(run.output)")
        #expect(server.connections.withLock { $0 } == 0, "nothing was sent")
    }
}
