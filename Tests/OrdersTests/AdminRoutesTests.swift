import Admin
import Logging
import OrderService
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import TaskRegistry
import Testing
@testable import orders

/// The admin listener's router in process: fault switches, and the request id and
/// recovery it runs behind.
struct AdminRoutesTests {
    static func client(_ faults: Faults, dependencies: DependencyControl = DependencyControl(),
                       logger: Logger = Logger(label: "admin-tests")) -> TestClient {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let diagnostics = Diagnostics(registry: registry, prometheus: prometheus, httpMetrics: [HTTPMetrics(registry: prometheus)],
                                      connections: { [] }, loops: { [] }, version: "test")
        return TestClient(AdminListener.router(logger: logger, diagnostics: diagnostics, faults: faults,
                                               dependencies: dependencies))
    }

    @Test func faultsAreListedAndChangedByPostOnly() async {
        let faults = Faults()
        let client = Self.client(faults)
        let listing = await client.execute(.get, "/debug/faults")
        #expect(listing.status == .ok)
        #expect(listing.text.contains(#"{"name":"missing-ok-check","enabled":false"#))
        #expect(listing.headers.first("X-Request-Id")?.isEmpty == false)

        let refused = await client.execute(.get, "/debug/faults?name=stall&enabled=true")
        #expect(refused.status == .methodNotAllowed)
        #expect(refused.headers.first("Allow") == "GET, POST")
        #expect(!faults.isEnabled(.stall))

        let changed = await client.execute(.post, "/debug/faults", body: #"{"missing-ok-check":true}"#)
        #expect(changed.status == .ok)
        #expect(faults.isEnabled(.missingOKCheck))
        _ = await client.execute(.post, "/debug/faults?name=missing-ok-check&enabled=false")
        #expect(!faults.isEnabled(.missingOKCheck))
    }

    @Test(arguments: [
        (#"{"no-such-fault":true}"#, "", "unknown_fault"),
        ("not json", "", "invalid_body"),
        ("", "", "missing_parameter"),
        ("", "?name=stall&enabled=maybe", "invalid_parameter"),
    ])
    func badChangesAre400WithTheirCode(body: String, query: String, code: String) async {
        let response = await Self.client(Faults()).execute(.post, "/debug/faults" + query, body: body)
        #expect(response.status == .badRequest)
        #expect(response.text.contains(#""code":"\#(code)""#), "\(response.text)")
    }

    @Test func healthzAnswersOnTheAdminListenerToo() async {
        let response = await Self.client(Faults()).execute(.get, "/healthz")
        #expect(response.status == .ok)
        #expect(response.text == #"{"status":"ok"}"#)
    }
}
