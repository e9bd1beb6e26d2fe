import Foundation
import Synchronization
import Testing

/// The incident, end to end: with the fault on, every missing id leaks one task at one
/// creation site; with it off, the same load leaves nothing behind.
@Suite(.serialized)
struct TaskLeakTests {
    static let validationSite = "OrderService/OrderService+ValidationChildren.swift"

    static func liveTasks(_ server: ServerProcess) throws -> Int {
        let vars = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/vars"]).body))
        return try #require((vars["tasks"] as? [String: Any])?["live"] as? Int)
    }

    static func profile(_ server: ServerProcess, _ query: String) throws -> [String: Any] {
        try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?\(query)"]).body))
    }

    /// `count` order-map requests over a few keep-alive connections, pipelined.
    static func load(_ server: ServerProcess, count: Int, ids: @escaping @Sendable (Int) -> String) throws -> [Int] {
        let connections = 4
        let results = Mutex<[Int: Int]>([:])
        let failures = Mutex<[String]>([])
        // The connections run at once, so the registry sees concurrent loops.
        DispatchQueue.concurrentPerform(iterations: connections) { index in
            do {
                let connection = try RawConnection(port: server.port, receiveTimeout: 20)
                let mine = Array(stride(from: index, to: count, by: connections))
                let got = try connection.pipeline(mine.map { "/api/v1/order/map?ids=\(ids($0))" }, depth: 25)
                results.withLock { for (slot, status) in zip(mine, got) { $0[slot] = status } }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        let failed = failures.withLock { $0 }
        guard failed.isEmpty else { throw LoadError(failures: failed) }
        return results.withLock { map in (0..<count).map { map[$0] ?? 0 } }
    }

    struct LoadError: Error { var failures: [String] }

    @Test func faultOnLeaksOneTaskPerMissingIDAtOneSite() throws {
        let server = try ServerProcess(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let before = try MetricsScrape.fetch(adminPort: server.adminPort)
        let baseline = try Self.liveTasks(server)
        // Each request asks for a found order and one id that does not exist.
        let statuses = try Self.load(server, count: 500) { "\($0 % 50 + 1),\(50_000 + $0)" }
        #expect(statuses.allSatisfy { $0 == 500 }, "the missing id's error escapes as a recovered 500")

        let profile = try Self.profile(server, "debug=1&format=json")
        let groups = try #require(profile["groups"] as? [[String: Any]])
        let leak = try #require(groups.first { ($0["site"] as? String)?.contains(Self.validationSite) == true && $0["name"] as? String == "stock-validation" && $0["wait_reason"] as? String == "stock-reply" },
                                "groups: \(groups.prefix(5))")
        #expect((leak["count"] as? Int ?? 0) >= 500)
        #expect(groups.first.map { ($0["count"] as? Int ?? 0) >= 500 } == true, "the leak is the largest group")
        #expect(try Self.liveTasks(server) - baseline >= 500)

        let after = try MetricsScrape.fetch(adminPort: server.adminPort)
        let active = after.sum("tasks_active", ["name": "stock-validation"]) - before.sum("tasks_active", ["name": "stock-validation"])
        #expect(active >= 500, "tasks_active rose")
        let panics = after.sum("http_recovered_panics_total", ["route": "/api/v1/order/map", "error": "OrderIntegrityError"])
            - before.sum("http_recovered_panics_total", ["route": "/api/v1/order/map", "error": "OrderIntegrityError"])
        #expect(panics == 500)

        // Text view: first line, then the leaking group with its site and wait reason.
        let text = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?debug=1"]).body
        #expect(text.hasPrefix("task profile: total "))
        #expect(text.contains(Self.validationSite))
        #expect(text.contains("stock-reply"))
    }

    @Test func faultOffLeavesNothingBehindAfterTenThousandRequests() throws {
        // A stock-validator latency makes every found order start a validation child.
        let server = try ServerProcess(["--stock-latency", "1"])
        let baseline = try Self.liveTasks(server)
        let statuses = try Self.load(server, count: 10_000) { "\($0 % 100 + 1),\($0 % 7 == 0 ? "60000" : "2")" }
        #expect(statuses.allSatisfy { $0 == 200 })
        let deadline = Date().addingTimeInterval(1)
        var live = try Self.liveTasks(server)
        while live != baseline && Date() < deadline {
            usleep(50_000)
            live = try Self.liveTasks(server)
        }
        #expect(live == baseline, "tasks return to their baseline within 1 s of the load ending")
    }

    @Test func debugTasksFormatsAndFilters() throws {
        let server = try ServerProcess(["--fault", "missing-ok-check", "--stock-latency", "1", "--leak-threshold", "2000"])
        _ = try Self.load(server, count: 20) { "\(70_000 + $0)" }
        // The leaks view uses --leak-threshold when the request names none.
        #expect((try Self.profile(server, "format=json&view=leaks"))["total"] as? Int == 0, "younger than the threshold")

        let all = try Self.profile(server, "debug=2&format=json")
        let tasks = try #require(all["tasks"] as? [[String: Any]])
        let leaked = tasks.filter { $0["name"] as? String == "stock-validation" }
        #expect(leaked.count == 20)
        for task in leaked {
            #expect(task["state"] as? String == "waiting")
            #expect(task["wait_reason"] as? String == "stock-reply")
            #expect((task["site"] as? String)?.contains(Self.validationSite) == true)
            #expect(task["id"] != nil && task["age_seconds"] != nil && task["labels"] != nil)
        }
        let text2 = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?debug=2"]).body
        #expect(text2.contains("stock-reply"))

        #expect((try Self.profile(server, "format=json&name=stock-validation"))["total"] as? Int == 20)
        #expect((try Self.profile(server, "format=json&name=no-such-task"))["total"] as? Int == 0)
        #expect((try Self.profile(server, "format=json&state=stock-reply"))["total"] as? Int == 20)
        #expect((try Self.profile(server, "format=json&name=stock-validation&state=running"))["total"] as? Int == 0)
        #expect((try Self.profile(server, "format=json&min_age=1h"))["total"] as? Int == 0)
        let leaks = try Self.profile(server, "format=json&view=leaks&threshold=0s")
        #expect(leaks.description.contains(Self.validationSite))
        usleep(2_100_000)
        #expect((try Self.profile(server, "format=json&view=leaks"))["total"] as? Int == 20, "older than --leak-threshold now")

        // seconds=N: only tasks created in the window that are still alive at its end.
        // The window opens when the server gets the request; give curl a generous head start
        // (test machines run suites in parallel) and leave room after the load.
        // On its own thread, not a Swift task: the test runner's few cooperative threads can
        // all be blocked by other suites' synchronous I/O, which would start it too late.
        let window = ResultBox<Curl.Result>()
        let windowDone = DispatchSemaphore(value: 0)
        let windowURL = "http://127.0.0.1:\(server.adminPort)/debug/tasks?seconds=5&format=json"
        Thread {
            window.result = Result { try Curl.run(["--max-time", "15", windowURL]) }
            windowDone.signal()
        }.start()
        usleep(2_000_000)
        _ = try Self.load(server, count: 3) { "\(80_000 + $0)" }
        windowDone.wait()
        let delta = try #require(Curl.json(try window.result!.get().body))
        #expect(delta["total"] as? Int == 3)

        for bad in ["debug=7", "min_age=soon", "seconds=61", "format=xml"] {
            let result = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?\(bad)"])
            #expect(result.status == 400, "\(bad)")
            #expect(result.body.contains("invalid_parameter"), "\(bad): \(result.body)")
        }
    }
}

/// A result handed from a helper thread to the test thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // Written once before the semaphore is signalled, read after the wait.
    var result: Result<T, any Error>?
}
