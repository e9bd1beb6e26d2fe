import Foundation
import Logging
import Middleware
import OrderService
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import TaskRegistry
import Testing
@testable import orders

/// The service's public routes in process, composed exactly as `orders serve` composes them
/// (`OrdersRouter.make`, behind the diagnostic middleware), driven by `TestClient`.
struct OrderRoutesTests {
    /// A small seeded service and its router.
    struct Service {
        let client: TestClient
        let registry: TaskRegistry
        let metrics: HTTPMetrics
        let prometheus: PrometheusCollectorRegistry
        let drainState: DrainState
        let faults: Faults

        init(faults: [Faults.Mode] = []) {
            var configuration = OrderServiceConfiguration()
            configuration.orderCount = 200
            configuration.userCount = 20
            configuration.skuCount = 50
            registry = TaskRegistry(shardCount: 1) { 0 }
            prometheus = PrometheusCollectorRegistry()
            metrics = HTTPMetrics(registry: prometheus)
            drainState = DrainState()
            self.faults = Faults(enabled: faults)
            let service = OrderService(configuration: configuration, sleeper: LoopSleeper(), faults: self.faults,
                                       childTasks: RegistryChildTasks(registry: registry))
            let logger = Logger(label: "orders-tests")
            let diagnostics = OrdersMiddleware.diagnostics(logger: logger, metrics: metrics, registry: registry, accessLog: false)
            client = TestClient(OrdersRouter.make(service: service, drainState: drainState, diagnostics: diagnostics))
        }

        var exposition: String {
            String(decoding: MetricsExposition(registry: prometheus, httpMetrics: [metrics]).render(tasks: [], spawned: [], connections: []),
                   as: UTF8.self)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var method: HTTPMethod = .get
        var target: String
        var headers: HTTPHeaders = HTTPHeaders()
        var body = ""
        var status: Int
        var route: String
        var contentType: String? = "application/json"
        /// Substrings the body must contain.
        var contains: [String] = []
        var testDescription: String { "\(method) \(target) -> \(status)" }
    }

    static let json: HTTPHeaders = ["Content-Type": "application/json"]

    static let cases: [Case] = [
        Case(target: "/plaintext", status: 200, route: "/plaintext", contentType: "text/plain", contains: ["Hello, World!"]),
        Case(target: "/json", status: 200, route: "/json", contains: [#"{"message":"Hello, World!"}"#]),
        Case(target: "/healthz", status: 200, route: "/healthz", contains: [#""status":"ok""#]),
        Case(target: "/readyz", status: 200, route: "/readyz", contains: [#""status":"ready""#]),
        Case(target: "/payload?size=5", status: 200, route: "/payload", contentType: "application/octet-stream"),
        Case(target: "/payload?size=-1", status: 400, route: "/payload", contains: [#""code":"invalid_parameter""#, #""parameter":"size""#]),
        Case(target: "/payload", status: 400, route: "/payload", contains: [#""code":"missing_parameter""#]),
        Case(method: .post, target: "/payload", body: "abc", status: 200, route: "/payload",
             contains: [#""received":3"#, #""fnv1a64":"e71fa2190541574b""#]),
        // A digest below 2^60 keeps its leading zero: always 16 digits.
        Case(method: .post, target: "/payload", body: "{}", status: 200, route: "/payload",
             contains: [#""received":2"#, #""fnv1a64":"08f44b07b5901a25""#]),
        Case(target: "/api/v1/order/map?ids=1,2,3", status: 200, route: "/api/v1/order/map",
             contains: [#""id":1"#, #""id":2"#, #""id":3"#, #""not_found":[]"#]),
        Case(target: "/api/v1/order/map?ids=5,99999999", status: 200, route: "/api/v1/order/map",
             contains: [#""id":5"#, #""not_found":[99999999]"#]),
        Case(target: "/api/v1/order/map", status: 400, route: "/api/v1/order/map",
             contains: [#""code":"missing_parameter""#, #""parameter":"ids""#, #""source":"query""#]),
        Case(target: "/api/v1/order/map?ids=1,abc", status: 400, route: "/api/v1/order/map",
             contains: [#""code":"invalid_parameter""#, #""received":"1,abc""#]),
        Case(target: "/api/v1/order/map?ids=" + (1...101).map(String.init).joined(separator: ","), status: 400,
             route: "/api/v1/order/map", contains: [#""code":"invalid_parameter""#, "at most 100 ids", #""received":"101 ids""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: #"{"ids":[4,8]}"#, status: 200,
             route: "/api/v1/order/map", contains: [#""id":4"#, #""id":8"#]),
        Case(method: .post, target: "/api/v1/order/map", body: #"{"ids":[4]}"#, status: 415, route: "/api/v1/order/map",
             contains: [#""code":"unsupported_media_type""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: "{", status: 400, route: "/api/v1/order/map",
             contains: [#""code":"invalid_body""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: #"{"ids":[]}"#, status: 400,
             route: "/api/v1/order/map", contains: [#""code":"missing_parameter""#, #""source":"body""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: #"{"ids":["x"]}"#, status: 400,
             route: "/api/v1/order/map", contains: [#""code":"invalid_parameter""#, #""source":"body""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: #"{"ids":[0]}"#, status: 400,
             route: "/api/v1/order/map", contains: [#""code":"invalid_parameter""#]),
        // The media type is type/subtype, not a prefix (RFC 9110 §8.3.1).
        Case(method: .post, target: "/api/v1/order/map", headers: ["Content-Type": "application/jsonx"], body: #"{"ids":[4]}"#,
             status: 415, route: "/api/v1/order/map", contains: [#""code":"unsupported_media_type""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: ["Content-Type": "Application/JSON; charset=UTF-8"],
             body: #"{"ids":[4]}"#, status: 200, route: "/api/v1/order/map", contains: [#""id":4"#]),
        // Not the documented shape: invalid_body. A wrong value inside it: invalid_parameter naming ids.
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: #""x""#, status: 400, route: "/api/v1/order/map",
             contains: [#""code":"invalid_body""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: "[1,2]", status: 400, route: "/api/v1/order/map",
             contains: [#""code":"invalid_body""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: "null", status: 400, route: "/api/v1/order/map",
             contains: [#""code":"invalid_body""#]),
        Case(method: .post, target: "/api/v1/order/map", headers: json, body: #"{"ids":[1.5]}"#, status: 400,
             route: "/api/v1/order/map", contains: [#""code":"invalid_parameter""#, #""parameter":"ids""#, #""source":"body""#]),
        Case(method: .post, target: "/payload", body: "x7500", status: 200, route: "/payload",
             contains: [#""fnv1a64":"0041157ac45c93f7""#]),
        Case(target: "/api/v1/user/fetch?name=alice", status: 200, route: "/api/v1/user/fetch", contains: [#""name":"alice""#]),
        Case(target: "/api/v1/user/fetch?name=nobody", status: 404, route: "/api/v1/user/fetch", contains: [#""code":"user_not_found""#]),
        Case(target: "/api/v1/user/fetch", status: 400, route: "/api/v1/user/fetch", contains: [#""code":"missing_parameter""#]),
        Case(target: "/no/such/route", status: 404, route: "unmatched", contains: [#""code":"not_found""#]),
        Case(method: .post, target: "/plaintext", status: 405, route: "/plaintext", contains: [#""code":"method_not_allowed""#]),
        Case(method: .options, target: "/json", status: 204, route: "/json", contentType: nil),
    ]

    /// Each route answers with its status, content type and body, gets a request id, and is
    /// counted in the histogram under its template (404s under `unmatched`).
    @Test(arguments: cases)
    func route(_ testCase: Case) async throws {
        let service = Service()
        let response = await service.client.execute(testCase.method, testCase.target, headers: testCase.headers, body: testCase.body)
        #expect(response.status.code == testCase.status, "\(response.text)")
        #expect(response.route == testCase.route)
        if let contentType = testCase.contentType {
            #expect(response.headers.first("Content-Type")?.hasPrefix(contentType) == true)
        } else {
            #expect(response.headers.first("Content-Type") == nil)
        }
        for fragment in testCase.contains { #expect(response.text.contains(fragment), "\(response.text)") }
        #expect(response.headers.first("X-Request-Id")?.isEmpty == false)
        // API data, probes and errors are never stored; the benchmark and payload routes
        // keep the shape the peers serve.
        let noStore = testCase.status >= 400 || testCase.route.hasPrefix("/api/") || ["/healthz", "/readyz"].contains(testCase.route)
        #expect(response.headers.values("Cache-Control") == (noStore ? ["no-store"] : []))
        if testCase.status >= 400 {
            let error = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])["error"] as? [String: Any]
            #expect(error?["code"] is String && error?["message"] is String)
        }
        let series = #"http_request_duration_seconds_count{route="\#(testCase.route)",method="\#(testCase.method)",code="\#(testCase.status)"} 1"#
        #expect(service.exposition.contains(series), "\(series)")
        #expect(service.registry.liveCount == 0, "nothing outlives its request")
    }

    @Test func readinessTurnsFalseWhenTheDrainBegins() async {
        let service = Service()
        service.drainState.begin()
        let response = await service.client.execute(.get, "/readyz")
        #expect(response.status == .serviceUnavailable)
        #expect(response.text == #"{"status":"draining"}"#)
    }

    /// The incident in process: with `missing-ok-check` an unknown id leaks one waiting
    /// stock-validation child and answers a recovered 500; the fixed path leaks nothing.
    @Test func theIncidentLeaksOneChildPerMissingIDAndTheFixNone() async throws {
        let broken = Service(faults: [.missingOKCheck])
        let failed = await broken.client.execute(.get, "/api/v1/order/map?ids=1,9000001")
        #expect(failed.status == .internalServerError)
        #expect(failed.text.contains(#""request_id":"#))
        try await waitUntil { broken.registry.snapshot().tasks.contains { $0.name == "stock-validation" && $0.state != .running } }
        let leaked = broken.registry.snapshot().tasks.filter { $0.name == "stock-validation" }
        #expect(leaked.count == 1)
        #expect(leaked.first?.site.fileID.description == "OrderService/OrderService+ValidationChildren.swift")
        #expect(broken.exposition.contains(#"http_recovered_panics_total{route="/api/v1/order/map""#))

        let fixed = Service()
        let answered = await fixed.client.execute(.get, "/api/v1/order/map?ids=1,9000001")
        #expect(answered.status == .ok)
        #expect(answered.text.contains(#""not_found":[9000001]"#))
        #expect(fixed.registry.snapshot().tasks.filter { $0.name == "stock-validation" }.isEmpty)
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
    }
}
