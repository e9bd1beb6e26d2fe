import Foundation
import Testing

/// SIGTERM while h2load drives the server at full rate, over HTTP/1.1 and h2c: every
/// request the server accepted completes, readiness says 503 to a connection that was open
/// when the drain began, HTTP/2 clients get GOAWAY(NO_ERROR), and the process exits 0 within
/// the drain deadline. A second SIGTERM ends the drain at once.
@Suite(.serialized)
struct ShutdownUnderLoadTests {
    enum LoadProtocol: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case h1, h2c
        var testDescription: String { rawValue }
        /// h2load's arguments: 8 keep-alive connections, or 4 h2c connections with 16 streams each.
        var arguments: [String] { self == .h1 ? ["--h1", "-c", "8", "-m", "1"] : ["-c", "4", "-m", "16"] }
        var maxInFlight: Int { self == .h1 ? 8 : 4 * 16 }
    }

    /// h2load's summary lines.
    struct LoadSummary {
        var total = -1, started = -1, done = -1, succeeded = -1, failed = -1, errored = -1, timeout = -1
        var status2xx = -1, status3xx = -1, status4xx = -1, status5xx = -1

        init(_ output: String) {
            func numbers(after prefix: String) -> [Int] {
                guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return [] }
                return line.dropFirst(prefix.count).split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            }
            let requests = numbers(after: "requests:")
            if requests.count == 7 {
                (total, started, done, succeeded) = (requests[0], requests[1], requests[2], requests[3])
                (failed, errored, timeout) = (requests[4], requests[5], requests[6])
            }
            // "status codes: 10 2xx, 0 3xx, ...": every other number is the class
            let codes = numbers(after: "status codes:")
            if codes.count == 8 { (status2xx, status3xx, status4xx, status5xx) = (codes[0], codes[2], codes[4], codes[6]) }
        }
    }

    static let route = "/api/v1/user/fetch?name=alice"  // access-logged (unlike /plaintext), so the server's count is known

    @Test(arguments: LoadProtocol.allCases)
    func sigtermDuringFullRateLoad(_ load: LoadProtocol) throws {
        let drainDeadline = 8.0
        let server = try ServerProcess(["--drain-timeout", "\(Int(drainDeadline * 1000))"])

        // Opened before the signal: a readiness probe whose second request is unfinished
        // (the drain keeps a connection that is mid-request), and an idle h2c connection.
        let readiness = try RawConnection(port: server.port, receiveTimeout: 10)
        try readiness.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(readiness.readResponse()?.status == 200)
        try readiness.send("GET /readyz HTTP/1.1\r\nHost: x\r\n")
        let idleH2 = try H2Connection(port: server.port, receiveTimeout: 10)

        let h2load = Process()
        h2load.executableURL = URL(fileURLWithPath: "/usr/bin/h2load")
        h2load.arguments = load.arguments + ["-D", "5", "http://127.0.0.1:\(server.port)\(Self.route)"]
        let pipe = Pipe()
        h2load.standardOutput = pipe
        h2load.standardError = pipe
        try h2load.run()
        defer { if h2load.isRunning { h2load.terminate() } }
        usleep(1_500_000)  // at full rate by now
        #expect(h2load.isRunning, "the load runs when the signal comes")

        let signalled = Date()
        server.signal(SIGTERM)
        usleep(100_000)
        try readiness.send("\r\n")
        let ready = readiness.readResponse()
        #expect(ready?.status == 503, "readiness turns false once the drain begins")
        #expect(ready?.bodyText.contains("draining") == true)
        #expect(ready?.header("Connection") == "close")

        let goAway = idleH2.readUntil { $0.type == H2Connection.goAway }
        #expect(goAway != nil, "an HTTP/2 client hears GOAWAY")
        #expect(goAway?.goAwayErrorCode == 0, "NO_ERROR")
        #expect(idleH2.closedByServer())

        let status = server.waitForExit(timeout: drainDeadline + 5)
        #expect(status == 0)
        #expect(Date().timeIntervalSince(signalled) < drainDeadline, "the drain ended before its deadline")

        // h2load stops by itself: its connections are closed and reconnecting is refused.
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        h2load.waitUntilExit()
        let summary = LoadSummary(output)
        #expect(summary.total >= 0, "h2load printed its summary:\n\(output)")
        #expect(summary.succeeded > 200, "real load before the signal: \(summary.succeeded) requests")
        #expect(summary.status2xx == summary.succeeded)
        #expect(summary.status4xx == 0 && summary.status5xx == 0 && summary.status3xx == 0)
        #expect(summary.timeout == 0)
        switch load {
        case .h1:
            // Responses during the drain carry Connection: close; h2load's reconnects are
            // refused by the closed listener, which it does not count as failed requests.
            #expect(summary.failed == 0 && summary.errored == 0, "\(output)")
        case .h2c:
            // Streams above GOAWAY's last stream id were never accepted (RFC 9113 §6.8):
            // h2load counts them failed. At most what one round of streams in flight holds.
            #expect(summary.failed == summary.errored)
            #expect(summary.failed <= load.maxInFlight, "\(output)")
        }
        // Every request the server completed reached the client, and vice versa: the
        // access log's count of answered requests equals h2load's successes.
        let log = server.logAfterExit()
        let served = log.split(separator: "\n").filter {
            $0.contains("route=/api/v1/user/fetch") && $0.contains("status=200")
        }.count
        #expect(served == summary.succeeded, "server answered \(served), client got \(summary.succeeded)")
        #expect(!log.contains("Program crashed"))
    }

    @Test func secondSigtermExitsAtOnce() throws {
        let server = try ServerProcess(["--stock-latency", "5000", "--drain-timeout", "10000"])
        let slow = try RawConnection(port: server.port, receiveTimeout: 10)
        try slow.send("GET /api/v1/order/map?ids=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(200_000)
        server.signal(SIGTERM)
        usleep(500_000)
        #expect(server.process.isRunning, "the first SIGTERM drains: the slow request still runs")
        let second = Date()
        server.signal(SIGTERM)
        let status = server.waitForExit(timeout: 3)
        #expect(status == 128 + SIGTERM, "a second signal ends the drain at once, exit 128 + SIGTERM")
        #expect(Date().timeIntervalSince(second) < 2)
        #expect(server.log.contains("second signal"))
        #expect(slow.isClosedByServer(), "the request in flight is cut off")
    }
}
