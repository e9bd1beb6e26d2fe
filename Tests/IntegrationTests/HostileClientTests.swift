import Foundation
import Synchronization
import Testing

/// Slow, greedy and rude clients: each is cut off by its limit or timeout, and nobody else
/// notices.
@Suite(.serialized)
struct HostileClientTests {
    static func openFDs(_ server: ServerProcess) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.process.processIdentifier)/fd").count) ?? -1
    }

    static func residentKB(_ server: ServerProcess) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    static func connectionTasks(_ server: ServerProcess) throws -> Int {
        let profile = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?format=json&name=connection"]).body))
        return profile["total"] as? Int ?? -1
    }

    static func waitFor(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    @Test func connectionsOverTheLimitGet503AndAClose() throws {
        let server = try ServerProcess(["--max-connections", "4"], threads: 1)
        var held: [RawConnection] = []
        for _ in 0..<4 {
            let connection = try RawConnection(port: server.port)
            try connection.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(connection.readResponse()?.status == 200)
            held.append(connection)
        }
        let excess = try RawConnection(port: server.port)
        let refused = excess.readResponse()
        #expect(refused?.status == 503)
        #expect(refused?.header("Connection") == "close")
        #expect(refused?.header("Retry-After") == "1")
        let error = refused.flatMap { Curl.json($0.bodyText)?["error"] as? [String: Any] }
        #expect(error?["code"] as? String == "too_many_connections", "the JSON error body every error has")
        #expect(error?["message"] as? String == "The server is at its connection limit")
        #expect(excess.isClosedByServer())
        // The connections already in are untouched, and a freed slot is usable again.
        try held[0].send("GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(held[0].readResponse()?.status == 200)
        held.removeLast()
        #expect(try Self.waitFor(seconds: 2) { try Self.connectionTasks(server) <= 3 })
        let again = try RawConnection(port: server.port)
        try again.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(again.readResponse()?.status == 200)
    }

    /// 500 slowloris sockets trickle a header byte at a time; normal traffic keeps its p99
    /// under 20 ms with no errors, and the header timeout closes every slow socket.
    @Test func slowlorisSocketsAreCutOffWhileOthersAreServed() throws {
        let server = try ServerProcess(["--header-timeout", "2000"], threads: 1)
        let baseline = Self.openFDs(server)
        var slow: [RawConnection] = []
        for _ in 0..<500 {
            let connection = try RawConnection(port: server.port, receiveTimeout: 0.2)
            try connection.send("GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(connection)
        }
        #expect(Self.waitFor(seconds: 3) { Self.openFDs(server) >= baseline + 500 }, "all 500 accepted")
        // A byte per socket every 500 ms, until each is cut off.
        let trickling = Atomic<Bool>(true)
        let sockets = slow.map(\.fd)
        let trickler = Thread {
            while trickling.load(ordering: .relaxed) {
                for fd in sockets { _ = "a".withCString { send(fd, $0, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } }
                usleep(500_000)
            }
        }
        trickler.start()
        defer { trickling.store(false, ordering: .relaxed) }

        let client = try RawConnection(port: server.port)
        var latencies: [Double] = []
        var failures = 0
        let until = Date().addingTimeInterval(1.5)
        while Date() < until {
            let start = Date()
            try client.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
            if client.readResponse()?.status == 200 { latencies.append(Date().timeIntervalSince(start)) } else { failures += 1 }
        }
        latencies.sort()
        let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        #expect(failures == 0)
        #expect(latencies.count > 100)
        #expect(p99 < 0.020, "p99 \(p99 * 1000) ms during the slowloris")

        // Every slow socket is closed by the header timeout (408 or a plain close).
        #expect(Self.waitFor(seconds: 4) { Self.openFDs(server) <= baseline + 1 }, "fds: \(Self.openFDs(server)) vs \(baseline)")
        trickling.store(false, ordering: .relaxed)
        let closed = slow.filter { $0.isClosedByServer() }.count
        #expect(closed == 500)
    }

    /// A client that never reads its large answer is dropped at the write timeout.
    @Test func clientThatDoesNotReadIsDroppedAtTheWriteTimeout() throws {
        let server = try ServerProcess(["--write-timeout", "700"], threads: 1)
        let baseline = Self.openFDs(server)
        let reader = try RawConnection(port: server.port, receiveTimeout: 5)
        var size = 1
        _ = setsockopt(reader.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        try reader.send("GET /payload?size=8000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(Self.waitFor(seconds: 1) { Self.openFDs(server) == baseline + 1 })
        #expect(Self.waitFor(seconds: 3) { Self.openFDs(server) == baseline }, "closed by the write timeout")
        // (Not reading what is left: the kernel still trickles the server's last buffered
        // bytes through our one-byte window, which takes minutes.)
        #expect(server.process.isRunning)
    }

    /// 10,000 connections opened and closed, cleanly and by reset, some mid-request: fds,
    /// the registry's connection entries and RSS come back.
    @Test func connectionChurnLeavesNothingBehind() throws {
        let server = try ServerProcess([], threads: 2)
        func churn(_ count: Int) throws {
            for index in 0..<count {
                let connection = try RawConnection(port: server.port)
                switch index % 4 {
                case 0:  // clean: a request, its answer, then close
                    try connection.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = connection.readResponse()
                case 1:  // reset right after connecting
                    var linger = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                case 2:  // reset mid-request
                    try connection.send("GET /plaintext HTTP/1.1\r\nHo")
                    var linger = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                default:  // close with the answer unread
                    try connection.send("GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
                }
            }
        }
        try churn(1_000)  // warm-up: pools and caches reach their working size
        #expect(try Self.waitFor(seconds: 3) { try Self.connectionTasks(server) == 0 })
        // The admin connections that the checks above make close on their own; take the
        // lowest of a few readings so that one of them is not counted.
        let baselineFDs = (0..<5).map { _ in usleep(50_000); return Self.openFDs(server) }.min() ?? -1
        let warmRSS = Self.residentKB(server)
        try churn(10_000)
        let drained = try Self.waitFor(seconds: 5) { try Self.connectionTasks(server) == 0 }
        #expect(drained, "registry entries: \((try? Self.connectionTasks(server)) ?? -1)")
        #expect(Self.waitFor(seconds: 5) { Self.openFDs(server) <= baselineFDs }, "fds \(Self.openFDs(server)) vs \(baselineFDs)")
        let rss = Self.residentKB(server)
        #expect(Double(rss) <= Double(warmRSS) * 1.05, "RSS \(rss) kB after vs \(warmRSS) kB warm")
    }
}
