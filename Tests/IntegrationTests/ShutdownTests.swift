import Foundation
import Testing

/// Graceful shutdown: SIGTERM lets every request in flight finish, then exits 0.
@Suite(.serialized)
struct ShutdownTests {
    @Test func sigtermDuringInFlightRequestsCompletesEveryOne() throws {
        // Every order lookup waits 800 ms on the stock validator's loop timer.
        let server = try ServerProcess(["--stock-latency", "800"])
        let connections = try (0..<24).map { _ in try RawConnection(port: server.port, receiveTimeout: 10) }
        for (index, connection) in connections.enumerated() {
            try connection.send("GET /api/v1/order/map?ids=\(index + 1) HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        // An idle keep-alive connection, which the drain closes at once.
        let idle = try RawConnection(port: server.port, receiveTimeout: 10)
        try idle.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(idle.readResponse()?.status == 200)

        usleep(200_000)
        server.signal(SIGTERM)
        for (index, connection) in connections.enumerated() {
            let response = connection.readResponse()
            #expect(response?.status == 200, "request \(index) was lost")
            #expect(response?.bodyText.contains(#""id":\#(index + 1),"#) == true)
            #expect(response?.header("Connection") == "close", "responses during a drain close their connection")
        }
        #expect(idle.isClosedByServer())
        #expect(server.waitForExit() == 0)
        #expect(throws: (any Error).self, "the listener is closed") { try RawConnection(port: server.port) }
    }

    @Test func readinessTurnsFalseWhileDraining() throws {
        let server = try ServerProcess(["--stock-latency", "1500"])
        let slow = try RawConnection(port: server.port, receiveTimeout: 10)
        let probe = try RawConnection(port: server.port, receiveTimeout: 10)
        try probe.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(probe.readResponse()?.status == 200)
        try slow.send("GET /api/v1/order/map?ids=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        // A probe connection mid-request keeps the drain from closing it before it asks.
        try probe.send("GET /readyz HTTP/1.1\r\nHost: x\r\n")
        usleep(200_000)
        server.signal(SIGINT)
        usleep(200_000)
        try probe.send("\r\n")
        let draining = probe.readResponse()
        #expect(draining?.status == 503)
        #expect(draining?.bodyText.contains("draining") == true)
        #expect(slow.readResponse()?.status == 200)
        #expect(server.waitForExit() == 0)
    }

    @Test func drainDeadlineClosesWhatIsLeftAndStillExitsZero() throws {
        let server = try ServerProcess(["--stock-latency", "5000", "--drain-timeout", "300"])
        let slow = try RawConnection(port: server.port, receiveTimeout: 10)
        try slow.send("GET /api/v1/order/map?ids=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(100_000)
        let start = Date()
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        #expect(Date().timeIntervalSince(start) < 3, "the deadline bounds the drain")
    }
}
