import Foundation
import Logging
import Server
import Testing

/// Handlers run on their connection's loop thread, and resume there after suspending.
/// Runs the server in-process so the handler can look at the thread it runs on.
struct LoopAffinityTests {
    @Test func handlersStayOnTheirLoopAcrossSuspension() async throws {
        var router = Router()
        router.get("/where") { _, context in
            let before = (EventLoop.current?.index, pthread_self())
            try await EventLoop.sleep(for: .milliseconds(5))
            let after = (EventLoop.current?.index, pthread_self())
            let sameThread = pthread_equal(before.1, after.1) != 0
            return Response(body: ResponseBody(string: "\(before.0 ?? -1) \(after.0 ?? -1) \(sameThread) \(context.loopIndex)"))
        }
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.threads = 2
        let server = HTTPServer(configuration: configuration, routes: router.build(), logger: Logger(label: "test"))
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let port = try await server.waitUntilListening()
        var loopsSeen = Set<String>()
        for _ in 0..<16 {
            let connection = try RawConnection(port: port)
            try connection.send("GET /where HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(connection.readResponse())
            let fields = response.bodyText.split(separator: " ").map(String.init)
            try #require(fields.count == 4)
            #expect(fields[0] != "-1", "the handler starts on an event loop thread")
            #expect(fields[0] == fields[1], "it resumes on the same loop after a timer")
            #expect(fields[2] == "true", "on the same OS thread")
            #expect(fields[0] == fields[3], "the context names the loop that serves it")
            loopsSeen.insert(fields[0])
        }
        #expect(!loopsSeen.isEmpty)
    }
}
