import Foundation
import Logging
import Middleware
import OrderService
import Prometheus
import RequestTracing
import Server
import ServerMetrics
import ServerTesting
import Synchronization
import TaskRegistry
import Testing
import Tracing
import W3CTraceContext
@testable import orders

/// Spans kept by the process's tracer, bootstrapped once for every test here (the tracing
/// system is process-wide, as in a real service).
final class TestSpanSink: SpanSink {
    static let shared = TestSpanSink()
    static let tracer: RequestTracer = {
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 1), sink: shared)
        tracer.bootstrap()
        return tracer
    }()

    private let spans = Mutex<[FinishedSpan]>([])
    func record(_ span: FinishedSpan) { spans.withLock { $0.append(span) } }
    func flush() {}
    func trace(_ traceID: String) -> [FinishedSpan] {
        spans.withLock { $0.filter { $0.traceContext.traceID.description == traceID } }
    }
}

/// Log lines with the metadata the providers add, to check log correlation.
final class CapturedLog: Sendable {
    let lines = Mutex<[Logger.Metadata]>([])
    func handler(label: String) -> some LogHandler { Handler(log: self) }
    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider? = TraceLogMetadata.provider
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            var all = metadata
            all.merge(metadataProvider?.get() ?? [:]) { _, new in new }
            all.merge(event.metadata ?? [:]) { _, new in new }
            log.lines.withLock { $0.append(all) }
        }
    }
}

/// The server span per request, its children, its trace from a `traceparent`, the HTTP
/// attributes and `error.type`, and the trace id on the access-log line; in process, with
/// the router `orders serve` builds.
struct TracingTests {
    struct Service {
        let client: TestClient
        let log = CapturedLog()
        let registry: TaskRegistry

        /// `separateLinks`: the tracing link and the diagnostic link added one after the
        /// other, as a user would compose them, instead of `orders`'s fused link.
        init(faults: [Faults.Mode] = [], separateLinks: Bool = false) {
            var configuration = OrderServiceConfiguration()
            configuration.orderCount = 200
            configuration.userCount = 20
            configuration.skuCount = 50
            configuration.slowInventoryLatency = .milliseconds(40)
            let registry = TaskRegistry(shardCount: 1) { 0 }
            self.registry = registry
            let service = OrderService(configuration: configuration, sleeper: LoopSleeper(), faults: Faults(enabled: faults),
                                       childTasks: RegistryChildTasks(registry: registry))
            let log = self.log
            let logger = Logger(label: "orders-tests") { log.handler(label: $0) }
            let diagnostics = OrdersMiddleware.diagnostics(logger: logger, metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()),
                                                           registry: registry, accessLog: true)
            let tracing = TracingMiddleware(tracer: TestSpanSink.tracer, serverPort: 8080)
            guard separateLinks else {
                client = TestClient(OrdersRouter.make(service: service, drainState: DrainState(), diagnostics: diagnostics,
                                                      tracing: tracing))
                return
            }
            var router = Router()
            router.add(middleware: tracing)
            router.add(middleware: diagnostics)
            BenchmarkRoutes.register(on: &router, faults: service.faults)
            HealthRoutes.register(on: &router, drainState: DrainState())
            OrderRoutes.register(on: &router, service: service)
            client = TestClient(router)
        }
    }

    static let parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func traceparent(_ trace: String = parentTrace, flags: String = "01") -> HTTPHeaders {
        ["traceparent": "00-\(trace)-00f067aa0ba902b7-\(flags)"]
    }

    @Test func aRequestWithATraceparentContinuesItsTrace() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4701"
        let service = Service()
        let response = await service.client.execute(.get, "/api/v1/user/fetch?name=alice", headers: Self.traceparent(trace))
        #expect(response.status == .ok)
        let server = try #require(TestSpanSink.shared.trace(trace).first { $0.kind == .server })
        #expect(server.name == "GET /api/v1/user/fetch")
        #expect(server.parentSpanID?.description == "00f067aa0ba902b7")
        #expect(server.attributes.get("http.request.method") == .string("GET"))
        #expect(server.attributes.get("http.route") == .string("/api/v1/user/fetch"))
        #expect(server.attributes.get("url.path") == .string("/api/v1/user/fetch"))
        #expect(server.attributes.get("network.protocol.version") == .string("1.1"))
        #expect(server.attributes.get("server.port") == .int64(8080))
        #expect(server.attributes.get("http.response.status_code") == .int64(200))
        #expect(server.attributes.get("error.type") == nil)
        // The access-log line was written inside the span, so it names the trace.
        let accessLine = try #require(service.log.lines.withLock { $0 }.last { $0["status"] != nil })
        #expect(accessLine["trace_id"] == .string(trace))
        #expect(accessLine["span_id"] == .string(server.traceContext.spanID.description))
    }

    @Test(arguments: ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"])
    func anInvalidTraceparentStartsANewTrace(traceparent: String) async throws {
        let service = Service()
        let response = await service.client.execute(.get, "/api/v1/user/fetch?name=bob", headers: ["traceparent": traceparent])
        #expect(response.status == .ok)
        let accessLine = try #require(service.log.lines.withLock { $0 }.last { $0["status"] != nil })
        guard case .string(let trace)? = accessLine["trace_id"] else { Issue.record("no trace id"); return }
        #expect(trace != Self.parentTrace && trace.count == 32)
        let server = try #require(TestSpanSink.shared.trace(trace).first { $0.kind == .server })
        #expect(server.parentSpanID == nil)
    }

    @Test func theSlowInventoryIsAChildSpanOfTheRequest() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4702"
        let service = Service(faults: [.slowInventory])
        let response = await service.client.execute(.get, "/api/v1/order/map?ids=1,2", headers: Self.traceparent(trace))
        #expect(response.status == .ok)
        let spans = TestSpanSink.shared.trace(trace)
        let server = try #require(spans.first { $0.kind == .server })
        let reads = spans.filter { $0.name == "inventory-cache.read" }
        let validations = spans.filter { $0.name == "stock.validate" }
        #expect(validations.count == 2)
        #expect(reads.contains { $0.attributes.get("inventory.fault") == .string("slow-inventory") })
        for child in reads + validations { #expect(child.parentSpanID == server.traceContext.spanID) }
        let slow = try #require(reads.first { $0.attributes.get("inventory.fault") != nil })
        #expect(slow.endNanoseconds - slow.startNanoseconds >= 40_000_000, "the slow span shows the fault's latency")
    }

    @Test func aRecoveredErrorNamesItsTypeOnTheServerSpan() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4703"
        let service = Service(faults: [.missingOKCheck])
        let response = await service.client.execute(.get, "/api/v1/order/map?ids=1,999999", headers: Self.traceparent(trace))
        #expect(response.status == .internalServerError)
        let server = try #require(TestSpanSink.shared.trace(trace).first { $0.kind == .server })
        #expect(server.attributes.get("http.response.status_code") == .int64(500))
        #expect(server.attributes.get("error.type") == .string(String(reflecting: OrderIntegrityError.self)))
        #expect(server.status?.code == .error)
        #expect(server.events.contains { $0.name == "exception" })
    }

    /// `orders` fuses the tracing link with the diagnostic one (one async frame, not two):
    /// the fused link must trace, log and answer as the two links do one after the other,
    /// for a success, a client error, a recovered error and a synchronous route.
    @Test(arguments: [
        ("/api/v1/user/fetch?name=alice", "01"),
        ("/api/v1/order/map?ids=1,x", "02"),
        ("/api/v1/order/map?ids=1,999999", "03"),
        ("/plaintext", "04"),
    ])
    func theFusedLinkTracesAsTheTwoLinksDo(target: String, suffix: String) async throws {
        var seen: [(status: HTTPStatus, span: FinishedSpan, access: Logger.Metadata?)] = []
        for (index, separate) in [false, true].enumerated() {
            let trace = "4bf92f3577b34da6a3ce929d0e0e4\(index)\(suffix)"
            let service = Service(faults: [.missingOKCheck], separateLinks: separate)
            let response = await service.client.execute(.get, target, headers: Self.traceparent(trace))
            let span = try #require(TestSpanSink.shared.trace(trace).first { $0.kind == .server }, "no span for \(target)")
            // The benchmark routes write no access line; any other line is written inside the
            // span, so it names the span itself.
            let access = service.log.lines.withLock { $0 }.last { $0["status"] != nil }
            if let access {
                #expect(access["trace_id"] == .string(trace))
                #expect(access["span_id"] == .string(span.traceContext.spanID.description))
            }
            seen.append((response.status, span, access))
        }
        let (fused, separate) = (seen[0], seen[1])
        #expect(fused.status == separate.status)
        #expect(fused.span.name == separate.span.name)
        #expect(fused.span.attributes == separate.span.attributes)
        #expect(fused.span.status == separate.span.status)
        #expect(fused.span.events.map(\.name) == separate.span.events.map(\.name))
        #expect((fused.access == nil) == (target == "/plaintext") && (separate.access == nil) == (target == "/plaintext"))
        #expect(fused.access?["status"] == separate.access?["status"] && fused.access?["route"] == separate.access?["route"])
    }

    /// The incident with traces on: the leaked child names the trace of the request that
    /// left it, so the goroutine-style profile leads straight to the trace.
    @Test func aLeakedChildNamesItsRequestsTrace() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4705"
        let service = Service(faults: [.missingOKCheck])
        let response = await service.client.execute(.get, "/api/v1/order/map?ids=1,9000001", headers: Self.traceparent(trace))
        #expect(response.status == .internalServerError)
        var leaked: [TaskInfo] = []
        for _ in 0..<200 {
            leaked = service.registry.snapshot().tasks.filter { $0.name == "stock-validation" && $0.state != .running }
            if !leaked.isEmpty { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(leaked.count == 1)
        #expect(leaked.first?.labels["trace_id"] == trace)
    }

    @Test func aRequestEntryCarriesItsTraceWhileItRuns() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4706"
        let service = Service(faults: [.slowInventory])
        async let response = service.client.execute(.get, "/api/v1/order/map?ids=1", headers: Self.traceparent(trace))
        var seen: TaskInfo?
        for _ in 0..<200 where seen == nil {
            seen = service.registry.snapshot().tasks.first { $0.name == "request" && $0.labels["trace_id"] == trace }
            if seen == nil { try await Task.sleep(for: .milliseconds(2)) }
        }
        #expect(seen?.labels["route"] == "/api/v1/order/map")
        #expect(await response.status == .ok)
    }

    @Test func anUnsampledParentRecordsNothingButKeepsTheTraceInTheLog() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4704"
        let service = Service()
        _ = await service.client.execute(.get, "/api/v1/user/fetch?name=carol", headers: Self.traceparent(trace, flags: "00"))
        #expect(TestSpanSink.shared.trace(trace).isEmpty)
        let accessLine = try #require(service.log.lines.withLock { $0 }.last { $0["status"] != nil })
        #expect(accessLine["trace_id"] == .string(trace))
    }

    /// A synchronous route keeps its fast path (no task) with traces on, and is still traced:
    /// its span, a child span started inside it, and the ids the registry and the
    /// exemplars read, all from the thread's task-local storage.
    @Test func aSynchronousRouteIsTracedWithoutATask() throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4707"
        let seenIDs = Mutex<SampledSpanIDs?>(nil)
        let body: Responder.SynchronousBody = { _, _ in
            withSpan("render") { _ in }
            let ids = RequestTracer.currentSampledIDs
            seenIDs.withLock { $0 = ids }
            return Response(status: .ok)
        }
        let handler = Responder(synchronous: body)
        let responder = TracingMiddleware(tracer: TestSpanSink.tracer, serverPort: 8080).compose(around: handler)
        #expect(responder.isSynchronous)
        var context = RequestContext(route: "/plaintext", logger: Logger(label: "test"))
        let request = Request(method: .get, target: "/plaintext", headers: Self.traceparent(trace))
        let traced = try #require(responder.synchronousBody)
        let response = try traced(request, &context)
        #expect(response.status == .ok)
        let spans = TestSpanSink.shared.trace(trace)
        let server = try #require(spans.first { $0.kind == .server })
        #expect(server.name == "GET /plaintext")
        #expect(spans.first { $0.name == "render" }?.parentSpanID == server.traceContext.spanID)
        #expect(seenIDs.withLock { $0 }?.span == server.traceContext.spanID.description.hexValue)
        // Outside the request, nothing is left bound.
        #expect(RequestTracer.currentSampledIDs == nil)
    }
}

extension String {
    fileprivate var hexValue: UInt64? { UInt64(self, radix: 16) }
}
