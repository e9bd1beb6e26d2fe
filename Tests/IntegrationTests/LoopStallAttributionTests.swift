import Foundation
import Logging
import Server
import Synchronization
import Testing

/// The watchdog names what a stalled loop runs, from what the loop published: a tag that
/// middleware published for a request running inline, or the task whose job the loop runs
/// after the request's handler resumed. Runs the server in process, with a resolver of the
/// test's own in place of the task registry (which `orders` uses).
@Suite(.serialized)
struct LoopStallAttributionTests {
    /// Publishes a fixed tag for every request, as the task-tracking middleware publishes
    /// the request's registry entry.
    struct PublishTag: SynchronousMiddleware {
        func begin(_ request: Request, context: inout RequestContext) {
            EventLoop.publishRunningRequest(42)
        }
        func end(_ state: consuming Void, request: Request, context: RequestContext, response: inout Response) {}
    }

    /// The address of the task that blocked after resuming, once it is known.
    static let blockingTask = Mutex<UInt>(0)

    static func serve(_ router: Router) async throws -> (HTTPServer, Task<Void, any Error>, Int) {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.threads = 1
        configuration.stallThreshold = .milliseconds(50)
        configuration.stalledRequest = { activity in
            if activity.taskAddress != 0, activity.taskAddress == blockingTask.withLock({ $0 }) {
                return StalledRequest(route: "/resumed", requestID: "by-task")
            }
            if activity.requestTag == 42 { return StalledRequest(route: "/inline", requestID: "by-tag") }
            return nil
        }
        let server = HTTPServer(configuration: configuration, routes: router.build(), logger: Logger(label: "test"))
        let running = Task { try await server.run() }
        let port = try await server.waitUntilListening()
        return (server, running, port)
    }

    /// Waits up to two seconds for the loop's latest stall to end and be filed.
    static func latestStall(_ server: HTTPServer, count: Int) async throws -> LoopStall? {
        for _ in 0..<200 {
            let loop = server.loopHealth.loops[0]
            if loop.stallCount == count, loop.currentStall == nil, let stall = loop.recentStalls.first { return stall }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test func aRequestThatBlocksInlineIsNamedByItsTag() async throws {
        var router = Router()
        router.add(middleware: PublishTag())
        router.get("/inline", SynchronousHandler { _, _ in
            usleep(150_000)
            return Response(body: ResponseBody(literal: "done"))
        })
        let (server, running, port) = try await Self.serve(router)
        defer { running.cancel() }
        let connection = try RawConnection(port: port)
        try connection.send("GET /inline HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(connection.readResponse()?.status == 200)
        let stall = try #require(try await Self.latestStall(server, count: 1))
        #expect(stall.request == StalledRequest(route: "/inline", requestID: "by-tag"))
        #expect(stall.duration >= .milliseconds(150))
    }

    @Test func aHandlerThatBlocksAfterResumingIsNamedByItsTask() async throws {
        var router = Router()
        router.add(middleware: PublishTag())
        router.get("/resumed") { _, _ in
            try await EventLoop.sleep(for: .milliseconds(5))
            // Resumed by the loop as a job: the tag published when the request began no
            // longer stands, the task does.
            Self.blockingTask.withLock { $0 = withUnsafeCurrentTask { unsafeBitCast($0!, to: UInt.self) } }
            usleep(150_000)
            return Response(body: ResponseBody(literal: "done"))
        }
        let (server, running, port) = try await Self.serve(router)
        defer { running.cancel() }
        let connection = try RawConnection(port: port)
        try connection.send("GET /resumed HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(connection.readResponse()?.status == 200)
        let stall = try #require(try await Self.latestStall(server, count: 1))
        #expect(stall.request == StalledRequest(route: "/resumed", requestID: "by-task"))
        #expect(server.loopHealth.stallThreshold == .milliseconds(50))
    }
}
