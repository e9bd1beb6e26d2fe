import Foundation
import Logging
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import Synchronization
import Testing
@testable import Middleware
@testable import TaskRegistry

/// Records the order in which middleware runs.
final class Trail: Sendable {
    let steps = Mutex<[String]>([])
    func add(_ step: String) { steps.withLock { $0.append(step) } }
    var all: [String] { steps.withLock { $0 } }
}

/// An async middleware, as a user writes one.
struct Recording: Middleware {
    let name: String
    let trail: Trail
    func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
        trail.add("\(name) in \(context.route)")
        defer { trail.add("\(name) out") }
        return try await next.respond(to: request, context: context)
    }
}

/// A synchronous middleware, as a user writes one.
struct SyncRecording: SynchronousMiddleware {
    let name: String
    let trail: Trail
    func begin(_ request: Request, context: inout RequestContext) {
        trail.add("\(name) in \(context.route)")
    }
    func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {
        trail.add("\(name) out \(response.status.code)")
        response.headers.add(name: "X-\(name)", value: "seen")
    }
    func end(_ state: Void, request: Request, context: RequestContext, error: any Error) throws -> Response {
        trail.add("\(name) error")
        throw error
    }
}

/// The metrics a chain renders at /metrics.
func rendered(_ prometheus: PrometheusCollectorRegistry, _ metrics: HTTPMetrics) -> String {
    String(decoding: MetricsExposition(registry: prometheus, httpMetrics: [metrics]).render(tasks: [], spawned: [], connections: []),
           as: UTF8.self)
}

/// The value of the sample named exactly `series`.
func sample(_ text: String, _ series: String) -> String? {
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        if line[..<space] == series { return String(line[line.index(after: space)...]) }
    }
    return nil
}

struct ChainTests {
    @Test func middlewareRunsOutermostFirstAndSeesTheRouteTemplate() async throws {
        let trail = Trail()
        var router = Router()
        router.add(middleware: Recording(name: "a", trail: trail))
        router.add(middleware: SyncRecording(name: "b", trail: trail))
        router.get("/order/{id}") { _, context in
            trail.add("handler \(context.parameters["id"] ?? "?")")
            return Response(body: ResponseBody(string: "ok"))
        }
        let client = TestClient(router)
        let response = await client.execute(.get, "/order/7")
        #expect(trail.all == ["a in /order/{id}", "b in /order/{id}", "handler 7", "b out 200", "a out"])
        #expect(response.headers.first("X-b") == "seen")

        let missing = Trail()
        var router404 = Router()
        router404.add(middleware: Recording(name: "a", trail: missing))
        router404.get("/order/{id}") { _, _ in Response() }
        let notFound = await TestClient(router404).execute(.get, "/nope")
        #expect(notFound.status == .notFound)
        #expect(missing.all == ["a in unmatched", "a out"], "404s run behind the middleware, with the bounded label")
    }

    /// The router's middleware wraps every route, a group's only the group's routes (inside
    /// the router's), and a route's own only that route (innermost).
    @Test func groupAndRouteMiddlewareWrapOnlyTheirRoutes() async throws {
        let trail = Trail()
        var router = Router()
        router.add(middleware: SyncRecording(name: "global", trail: trail))
        router.get("/open") { _, _ in Response() }
        router.group("/api", middleware: [SyncRecording(name: "api", trail: trail)]) { api in
            api.get("/order/{id}", middleware: [Recording(name: "route", trail: trail)]) { _, _ in Response() }
            api.group("/admin", middleware: [SyncRecording(name: "admin", trail: trail)]) { admin in
                admin.get("/stats") { _, _ in Response() }
            }
        }
        let client = TestClient(router)
        for (path, route, expected) in [
            ("/open", "/open", ["global in /open", "global out 200"]),
            ("/api/order/1", "/api/order/{id}", ["global in /api/order/{id}", "api in /api/order/{id}", "route in /api/order/{id}",
                                                 "route out", "api out 200", "global out 200"]),
            ("/api/admin/stats", "/api/admin/stats", ["global in /api/admin/stats", "api in /api/admin/stats",
                                                      "admin in /api/admin/stats", "admin out 200", "api out 200", "global out 200"]),
        ] {
            trail.steps.withLock { $0.removeAll() }
            let response = await client.execute(.get, path)
            #expect(response.route == route)
            #expect(trail.all == expected, "\(path)")
        }
    }

    /// A synchronous handler behind only synchronous middleware, ours or a user's, is
    /// answered without a task; one async middleware anywhere on the route gives it one.
    @Test func synchronousMiddlewareKeepsSynchronousRoutesOffTasks() async throws {
        let trail = Trail()
        var router = Router()
        router.add(middleware: SyncRecording(name: "user", trail: trail))
        router.add(middleware: RequestIDMiddleware())
        router.get("/sync", SynchronousHandler { _, _ in
            Response(body: ResponseBody(string: "task=\(withUnsafeCurrentTask { $0 != nil })"))
        })
        router.get("/sync-behind-async", middleware: [Recording(name: "async", trail: trail)], SynchronousHandler { _, _ in
            Response(body: ResponseBody(string: "task=\(withUnsafeCurrentTask { $0 != nil })"))
        })
        let client = TestClient(router)
        let (plain, behindAsync) = await onThreadWithoutTask {
            (client.executeWithoutTask(Request(method: .get, target: "/sync")),
             client.executeWithoutTask(Request(method: .get, target: "/sync-behind-async")))
        }
        #expect(plain?.text == "task=false")
        #expect(plain?.headers.first("X-user") == "seen")
        #expect(plain?.headers.first("X-Request-Id")?.isEmpty == false)
        #expect(behindAsync == nil, "an async middleware needs the request's task")
        let answered = await client.execute(.get, "/sync-behind-async")
        #expect(answered.text == "task=true")
        #expect(trail.all.suffix(3) == ["async in /sync-behind-async", "async out", "user out 200"])
    }

    /// Exactly one `end` runs per `begin`: the error one when the rest threw. A `begin` that
    /// throws skips the rest of the route and its own `end`.
    @Test func synchronousMiddlewareSeesErrorsAndBeginCanReject() async throws {
        struct Reject: SynchronousMiddleware {
            func begin(_ request: Request, context: inout RequestContext) throws {
                guard request.headers.first("X-Key") == "ok" else {
                    throw HTTPError(.unauthorized, code: "unauthorized", message: "A key is required")
                }
            }
            func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {}
        }
        struct Boom: Error {}
        let trail = Trail()
        var router = Router()
        router.add(middleware: SyncRecording(name: "outer", trail: trail))
        router.add(middleware: Reject())
        router.get("/boom", SynchronousHandler { _, _ in throw Boom() })
        router.get("/fine", SynchronousHandler { _, _ in trail.add("handler"); return Response() })
        let client = TestClient(router)
        #expect(await client.execute(.get, "/fine").status == .unauthorized)
        #expect(trail.all == ["outer in /fine", "outer error"], "the handler never ran")
        trail.steps.withLock { $0.removeAll() }
        #expect(await client.execute(.get, "/boom", headers: ["X-Key": "ok"]).status == .internalServerError)
        #expect(trail.all == ["outer in /boom", "outer error"])
    }

    struct Boom: Error {}

    @Test func recoveryCountsEscapedErrorsButNotHTTPErrors() async throws {
        let recovered = Trail()
        var router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RecoveryMiddleware(logger: Logger(label: "test")) { route, type in recovered.add("\(route) \(type)") })
        router.get("/boom") { _, _ in throw Boom() }
        router.get("/bad") { _, _ in throw HTTPError(.badRequest, code: "bad", message: "bad") }
        router.get("/id") { _, context in Response(body: ResponseBody(string: context.requestID ?? "none")) }
        let client = TestClient(router)
        let boom = await client.execute(.get, "/boom", headers: ["X-Request-Id": "req-1"])
        #expect(boom.status == .internalServerError)
        #expect(boom.text.contains(#""code":"internal_error""#))
        #expect(boom.text.contains(#""request_id":"req-1""#))
        #expect(boom.headers.first("X-Request-Id") == "req-1")
        let bad = await client.execute(.get, "/bad")
        #expect(bad.status == .badRequest)
        #expect(recovered.all == ["/boom Boom"], "only the escaped error is a recovered panic")
        #expect(await client.execute(.get, "/id", headers: ["X-Request-Id": "req-2"]).text == "req-2",
                "handlers read the id from the context")
    }

    /// The fused middleware and the five links it stands for behave alike: an id echoed
    /// and readable, a registry entry while the handler runs (current, labelled), the
    /// histogram, recovery of an escaped error, and nothing left behind.
    @Test(arguments: ["fused", "links"])
    func diagnosticsRegisterCountRecoverAndCleanUp(_ shape: String) async throws {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: prometheus)
        let logger = Logger(label: "t")
        let seen = Mutex<[String]>([])
        var router = Router()
        if shape == "fused" {
            router.add(middleware: DiagnosticMiddleware(metrics: metrics, registry: registry, logger: logger, accessLog: nil))
        } else {
            router.add(middleware: RequestIDMiddleware())
            router.add(middleware: MetricsMiddleware(metrics: metrics))
            router.add(middleware: TaskTrackingMiddleware(registry: registry))
            router.add(middleware: RecoveryMiddleware(logger: logger) { metrics.recoveredPanic(route: $0, errorType: $1) })
        }
        router.get("/work/{id}") { request, context in
            let current = TaskRegistry.current.flatMap { registry.labels(of: $0)?["request_id"] } ?? "none"
            seen.withLock { $0.append("live=\(registry.liveCount) current=\(current) id=\(context.requestID ?? "none")") }
            _ = request.lookup("missing", as: Int.self, context: context)
            return Response(body: ResponseBody(string: "done"))
        }
        router.get("/boom") { _, _ in throw Boom() }
        let client = TestClient(router)
        let response = await client.execute(.get, "/work/1", headers: ["X-Request-Id": "work-1"])
        #expect(response.status == .ok)
        #expect(response.headers.first("X-Request-Id") == "work-1")
        #expect(seen.withLock { $0 } == ["live=1 current=work-1 id=work-1"])
        #expect(registry.liveCount == 0)
        let boom = await client.execute(.get, "/boom")
        #expect(boom.status == .internalServerError)
        #expect(registry.liveCount == 0)
        let text = rendered(prometheus, metrics)
        #expect(text.contains(#"http_recovered_panics_total{route="/boom",error="Boom"} 1"#), "\(text)")
        #expect(sample(text, #"http_request_duration_seconds_count{route="/work/{id}",method="GET",code="200"}"#) == "1")
        #expect(sample(text, #"http_request_duration_seconds_count{route="/boom",method="GET",code="500"}"#) == "1")
        #expect(sample(text, #"param_lookup_failures_total{route="/work/{id}",param="missing",reason="missing"}"#) == "1")
        #expect(sample(text, "http_requests_in_flight") == "0")
    }

    /// A synchronous route behind the fused middleware is answered without a task, with
    /// every step of the middleware: an id echoed, a registry entry while the handler runs
    /// (listed, labelled, and `current` on the thread while the handler runs), the
    /// histogram, and recovery of an escaped error.
    @Test func fusedChainAnswersSynchronousRoutesWithoutATask() async throws {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: prometheus)
        let seen = Mutex<[String]>([])
        var router = Router()
        router.add(middleware: DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil))
        router.get("/sync/{id}", SynchronousHandler { _, context in
            let entry = registry.snapshot().tasks.first { $0.labels["route"] == "/sync/{id}" }
            let inTask = withUnsafeCurrentTask { $0 != nil }
            let current = TaskRegistry.current.flatMap { registry.labels(of: $0)?["request_id"] } ?? "none"
            seen.withLock {
                $0.append("live=\(registry.liveCount) id=\(entry?.labels["request_id"] ?? "none") task=\(inTask) current=\(current) param=\(context.parameters["id"] ?? "")")
            }
            return Response(body: ResponseBody(string: "done"))
        })
        router.get("/sync-boom", SynchronousHandler { _, _ in throw Boom() })
        let client = TestClient(router)

        let (answered, boom, currentAfter) = await onThreadWithoutTask {
            let answered = client.executeWithoutTask(Request(method: .get, target: "/sync/9", headers: ["X-Request-Id": "sync-1"]))
            let boom = client.executeWithoutTask(Request(method: .get, target: "/sync-boom"))
            return (answered, boom, TaskRegistry.current == nil)
        }
        #expect(answered?.status == .ok)
        #expect(answered?.headers.first("X-Request-Id") == "sync-1")
        #expect(seen.withLock { $0 } == ["live=1 id=sync-1 task=false current=sync-1 param=9"])
        #expect(currentAfter, "the entry is current only while its handler runs")
        #expect(boom?.status == .internalServerError)
        #expect(boom?.text.contains(#""code":"internal_error""#) == true)
        #expect(registry.liveCount == 0, "the entries ended with their requests")
        let text = rendered(prometheus, metrics)
        #expect(text.contains(#"route="/sync/{id}""#), "the histogram counted the request: \(text)")
        #expect(text.contains(#"error="Boom""#))
        #expect(sample(text, "http_requests_in_flight") == "0")
    }

    /// Behind middleware that is not synchronous, a synchronous route gets a task like any
    /// other, and the middleware still wraps it.
    @Test func synchronousRouteBehindAsyncMiddlewareRunsInTheChain() async throws {
        let trail = Trail()
        var router = Router()
        router.add(middleware: Recording(name: "a", trail: trail))
        router.get("/sync", SynchronousHandler { _, _ in
            trail.add("handler")
            return Response(body: ResponseBody(string: "ok"))
        })
        let client = TestClient(router)
        #expect(await onThreadWithoutTask { client.executeWithoutTask(Request(method: .get, target: "/sync")) } == nil,
                "the async link needs a task")
        let response = await client.execute(.get, "/sync")
        #expect(response.text == "ok")
        #expect(trail.all == ["a in /sync", "handler", "a out"])
    }

    /// With the fused middleware, `http_requests_in_flight` is the registry's live request
    /// count: one while a handler runs, none after, whether it returned or threw.
    @Test func fusedChainCountsRequestsInFlightThroughTheRegistry() async throws {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: prometheus)
        let seenInside = Mutex<[String?]>([])
        var router = Router()
        router.add(middleware: DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil))
        router.get("/work") { _, _ in
            seenInside.withLock { $0.append(sample(rendered(prometheus, metrics), "http_requests_in_flight")) }
            return Response(body: ResponseBody(string: "done"))
        }
        router.get("/boom") { _, _ in
            seenInside.withLock { $0.append(sample(rendered(prometheus, metrics), "http_requests_in_flight")) }
            throw Boom()
        }
        let client = TestClient(router)
        // A second middleware over the same registry and metrics must not count requests twice.
        _ = DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil)
        #expect(sample(rendered(prometheus, metrics), "http_requests_in_flight") == "0")
        _ = await client.execute(.get, "/work")
        _ = await client.execute(.get, "/boom")
        #expect(seenInside.withLock { $0 } == ["1", "1"])
        #expect(sample(rendered(prometheus, metrics), "http_requests_in_flight") == "0")
    }
}
