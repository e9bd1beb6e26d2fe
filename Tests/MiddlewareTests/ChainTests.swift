import Foundation
import Logging
import Prometheus
import Synchronization
import Testing
@testable import Middleware
@testable import Server

/// Records the order in which middleware runs.
final class Trail: Sendable {
    let steps = Mutex<[String]>([])
    func add(_ step: String) { steps.withLock { $0.append(step) } }
    var all: [String] { steps.withLock { $0 } }
}

struct Recording: Middleware {
    let name: String
    let trail: Trail
    func handle(_ request: Request, context: RequestContext, next: Next) async throws -> Response {
        trail.add("\(name) in \(context.route)")
        defer { trail.add("\(name) out") }
        return try await next(request, context)
    }
}

struct ChainTests {
    static func context() -> RequestContext { RequestContext(logger: Logger(label: "test")) }

    @Test func middlewareRunsOutermostFirstAndSeesTheRouteTemplate() async throws {
        let trail = Trail()
        var router = Router()
        router.get("/order/{id}") { _, context in
            trail.add("handler \(context.parameters["id"] ?? "?")")
            return Response(body: ResponseBody(string: "ok"))
        }
        let chain = MiddlewareChain([Recording(name: "a", trail: trail), Recording(name: "b", trail: trail)], router: router)
        _ = try await chain.respond(to: Request(method: .get, target: "/order/7"), context: Self.context())
        #expect(trail.all == ["a in /order/{id}", "b in /order/{id}", "handler 7", "b out", "a out"])

        let missing = Trail()
        let chain404 = MiddlewareChain([Recording(name: "a", trail: missing)], router: router)
        await #expect(throws: HTTPError.self) {
            _ = try await chain404.respond(to: Request(method: .get, target: "/nope"), context: Self.context())
        }
        #expect(missing.all == ["a in unmatched", "a out"], "unmatched paths get the bounded label")
    }

    struct Boom: Error {}

    @Test func recoveryCountsEscapedErrorsButNotHTTPErrors() async throws {
        let recovered = Trail()
        var router = Router()
        router.get("/boom") { _, _ in throw Boom() }
        router.get("/bad") { _, _ in throw HTTPError(.badRequest, code: "bad", message: "bad") }
        let chain = MiddlewareChain([
            RequestIDMiddleware(),
            RecoveryMiddleware(logger: Logger(label: "test")) { route, type in recovered.add("\(route) \(type)") },
        ], router: router)
        let boom = try await chain.respond(to: Request(method: .get, target: "/boom", headers: ["X-Request-Id": "req-1"]), context: Self.context())
        #expect(boom.status == .internalServerError)
        let body = String(decoding: boom.body.bytes, as: UTF8.self)
        #expect(body.contains(#""code":"internal_error""#))
        #expect(body.contains(#""request_id":"req-1""#))
        #expect(boom.headers.first("X-Request-Id") == "req-1")
        let bad = try await chain.respond(to: Request(method: .get, target: "/bad"), context: Self.context())
        #expect(bad.status == .badRequest)
        #expect(recovered.all == ["/boom Boom"], "only the escaped error is a recovered panic")
    }

    @Test func fusedDiagnosticMiddlewareRegistersCountsAndCleansUp() async throws {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: prometheus)
        let liveDuringHandler = Mutex(0)
        var router = Router()
        router.get("/work") { _, _ in
            liveDuringHandler.withLock { $0 = registry.liveCount }
            #expect(TaskRegistry.current != nil, "the handler runs as the request's registry entry")
            return Response(body: ResponseBody(string: "done"))
        }
        router.get("/boom") { _, _ in throw Boom() }
        let chain = MiddlewareChain([DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil)], router: router)
        let response = try await chain.respond(to: Request(method: .get, target: "/work"), context: Self.context())
        #expect(response.status == .ok)
        #expect(response.headers.first("X-Request-Id")?.isEmpty == false)
        #expect(liveDuringHandler.withLock { $0 } == 1)
        #expect(registry.liveCount == 0)
        let boom = try await chain.respond(to: Request(method: .get, target: "/boom"), context: Self.context())
        #expect(boom.status == .internalServerError)
        #expect(registry.liveCount == 0)
        let text = String(decoding: MetricsExposition(registry: prometheus).render(tasks: [], spawned: [], connections: []), as: UTF8.self)
        #expect(text.contains(#"http_recovered_panics_total{route="/boom",error="Boom"} 1"#) || text.contains(#"error="Boom",route="/boom""#), "\(text)")
        #expect(text.contains(#"route="/work""#))
    }

    /// A synchronous route behind the fused middleware is answered in `startRequest`, with
    /// every step of the middleware: an id echoed, a registry entry while the handler runs
    /// (listed, labelled, and `current` on the thread while the handler runs), the histogram,
    /// and recovery of an escaped error.
    @Test func fusedChainAnswersSynchronousRoutesWithoutATask() async throws {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: prometheus)
        let seen = Mutex<[String]>([])
        var router = Router()
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
        let chain = MiddlewareChain([DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil)], router: router)

        let (answered, boom) = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var context = Self.context()
                let answered = chain.startRequest(Request(method: .get, target: "/sync/9", headers: ["X-Request-Id": "sync-1"]), context: &context)
                var boomContext = Self.context()
                let boom = chain.startRequest(Request(method: .get, target: "/sync-boom"), context: &boomContext)
                continuation.resume(returning: (answered, boom))
            }
        }
        #expect(answered?.status == .ok)
        #expect(answered?.headers.first("X-Request-Id") == "sync-1")
        #expect(seen.withLock { $0 } == ["live=1 id=sync-1 task=false current=sync-1 param=9"])
        #expect(TaskRegistry.current == nil, "the entry is current only while its handler runs")
        #expect(boom?.status == .internalServerError)
        #expect(boom.map { String(decoding: $0.body.bytes, as: UTF8.self).contains(#""code":"internal_error""#) } == true)
        #expect(registry.liveCount == 0, "the entries ended with their requests")
        let rendered = RenderedMetrics(registry: prometheus)
        let text = String(decoding: MetricsExposition(registry: prometheus).render(tasks: [], spawned: [], connections: []), as: UTF8.self)
        #expect(text.contains(#"route="/sync/{id}""#), "the histogram counted the request: \(text)")
        #expect(text.contains(#"error="Boom""#))
        #expect(rendered.value("http_requests_in_flight") == "0")
    }

    /// Behind middleware that is not synchronous, a synchronous route gets a task like any
    /// other, and the middleware still wraps it.
    @Test func synchronousRouteBehindAsyncMiddlewareRunsInTheChain() async throws {
        let trail = Trail()
        var router = Router()
        router.get("/sync", SynchronousHandler { _, _ in
            trail.add("handler")
            return Response(body: ResponseBody(string: "ok"))
        })
        let chain = MiddlewareChain([Recording(name: "a", trail: trail)], router: router)
        var context = Self.context()
        let request = Request(method: .get, target: "/sync")
        #expect(chain.startRequest(request, context: &context) == nil, "the async link needs a task")
        let response = try await chain.respond(to: request, context: context)
        #expect(response.body.bytes == Array("ok".utf8))
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
        router.get("/work") { _, _ in
            seenInside.withLock { $0.append(RenderedMetrics(registry: prometheus).value("http_requests_in_flight")) }
            return Response(body: ResponseBody(string: "done"))
        }
        router.get("/boom") { _, _ in
            seenInside.withLock { $0.append(RenderedMetrics(registry: prometheus).value("http_requests_in_flight")) }
            throw Boom()
        }
        let chain = MiddlewareChain([DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil)], router: router)
        // A second chain over the same registry and metrics must not count requests twice.
        _ = MiddlewareChain([DiagnosticMiddleware(metrics: metrics, registry: registry, logger: Logger(label: "t"), accessLog: nil)], router: router)
        #expect(RenderedMetrics(registry: prometheus).value("http_requests_in_flight") == "0")
        _ = try await chain.respond(to: Request(method: .get, target: "/work"), context: Self.context())
        _ = try await chain.respond(to: Request(method: .get, target: "/boom"), context: Self.context())
        #expect(seenInside.withLock { $0 } == ["1", "1"])
        #expect(RenderedMetrics(registry: prometheus).value("http_requests_in_flight") == "0")
    }
}

struct SafeLookupTests {
    final class Failures: ParameterFailureObserver {
        let seen = Mutex<[String]>([])
        func parameterLookupFailed(route: String, parameter: String, reason: ParameterFailureReason) {
            seen.withLock { $0.append("\(route) \(parameter) \(reason)") }
        }
    }

    static func context(_ observer: Failures) -> RequestContext {
        var context = RequestContext(route: "/r", parameters: Parameters([("id", "42")]), logger: Logger(label: "t"))
        context.parameterFailureObserver = observer
        return context
    }

    @Test(arguments: [
        ("ids=1,2,3", "found [1, 2, 3]"),
        ("other=1", "missing"),
        ("ids=", "missing"),
        ("ids=1,x", "invalid 1,x"),
        ("ids=1,,2", "invalid 1,,2"),
        ("ids=-1", "invalid -1"),
    ])
    func listOfPositiveIntegers(query: String, expected: String) {
        let observer = Failures()
        let request = Request(method: .get, target: "/r?" + query)
        let outcome: String
        switch request.lookup("ids", as: [PositiveInt].self, context: Self.context(observer)) {
        case .found(let ids): outcome = "found \(ids.map(\.value))"
        case .missing: outcome = "missing"
        case .invalid(let received, let expected):
            #expect(expected == "comma-separated list of positive integer")
            outcome = "invalid \(received)"
        }
        #expect(outcome == expected)
        let failures = observer.seen.withLock { $0 }
        #expect(failures == (expected.hasPrefix("found") ? [] : ["/r ids \(expected.hasPrefix("missing") ? "missing" : "invalid")"]))
    }

    @Test func requireOptionalAndDefault() throws {
        let observer = Failures()
        let context = Self.context(observer)
        let request = Request(method: .get, target: "/r?limit=10&flag=true&bad=x", headers: ["X-Count": "3"])
        #expect(try request.require("limit", as: Int.self, context: context) == 10)
        #expect(try request.require("id", as: Int.self, in: .path, context: context) == 42)
        #expect(try request.require("X-Count", as: Int.self, in: .header, context: context) == 3)
        #expect(try request.optional("absent", as: Int.self, context: context) == nil)
        #expect(try request.value("absent", as: Int.self, default: 5, context: context) == 5)
        #expect(try request.value("flag", as: Bool.self, default: false, context: context) == true)
        do {
            _ = try request.require("missing", as: Int.self, context: context)
            Issue.record("expected a 400")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.code == "missing_parameter")
            let body = String(decoding: error.response.body.bytes, as: UTF8.self)
            #expect(body.contains(#""parameter":"missing""#) && body.contains(#""expected":"integer""#))
        }
        do {
            _ = try request.optional("bad", as: Int.self, context: context)
            Issue.record("an invalid value is never silently ignored")
        } catch {
            #expect(error.code == "invalid_parameter")
            let body = String(decoding: error.response.body.bytes, as: UTF8.self)
            #expect(body.contains(#""received":"x""#) && body.contains(#""expected":"integer""#))
        }
        #expect(observer.seen.withLock { $0 } == ["/r absent missing", "/r absent missing", "/r missing missing", "/r bad invalid"])
    }
}
