import Foundation
import Testing

/// The shim's connection timeouts, with short values so the test stays quick.
@Suite(.serialized)
struct TimeoutTests {
    static let server = Result {
        try ServerProcess(["--header-timeout", "400", "--body-timeout", "400", "--idle-timeout", "400"])
    }

    @Test func slowHeadGets408ThenClose() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        try connection.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n")  // never finished
        let response = try #require(connection.readResponse())
        #expect(response.status == 408)
        #expect(response.bodyText.contains(#""code":"request_timeout""#))
        #expect(connection.isClosedByServer())
    }

    /// Slowloris: trickling bytes does not extend the header deadline.
    @Test func tricklingHeadStillTimesOut() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        let start = Date()
        try connection.send("GET /plaintext HTTP/1.1\r\n")
        for _ in 0..<8 {
            usleep(100_000)
            _ = try? connection.send("X")
        }
        #expect(connection.readResponse()?.status == 408)
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test func stalledBodyGets408() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        try connection.send("POST /api/v1/order/map HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"ids\"")
        #expect(connection.readResponse()?.status == 408)
        #expect(connection.isClosedByServer())
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        try connection.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(connection.readResponse()?.status == 200)
        #expect(connection.isClosedByServer())
        #expect(connection.unread.isEmpty, "an idle close sends nothing")
    }

    @Test func connectionThatNeverSpeaksIsClosedQuietly() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        #expect(connection.isClosedByServer())
        #expect(connection.unread.isEmpty)
    }
}
