import Foundation
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import TaskRegistry
import Testing
@testable import Admin

/// The admin routes in process, over a registry and metrics the test fills itself.
struct DiagnosticsRoutesTests {
    struct Admin {
        let registry = TaskRegistry(shardCount: 1) { 0 }
        let prometheus = PrometheusCollectorRegistry()
        let metrics: HTTPMetrics
        let client: TestClient

        init() {
            metrics = HTTPMetrics(registry: prometheus)
            var router = Router()
            DiagnosticsRoutes.register(on: &router, diagnostics: Diagnostics(
                registry: registry, prometheus: prometheus, httpMetrics: [metrics],
                connections: { [(proto: "h1", count: 3), (proto: "h2", count: 1)] }, loops: { [3, 1] },
                version: "1.2.3-test", leakThreshold: .seconds(30)
            ))
            client = TestClient(router)
        }
    }

    @Test func metricsRenderTheRegistryTheRequestMetricsTasksAndConnections() async {
        let admin = Admin()
        admin.metrics.requestStarted()
        admin.metrics.requestFinished(route: "/r", method: "GET", status: 200, duration: .milliseconds(2))
        let token = admin.registry.register(name: "worker", parent: nil, labels: [:], site: TaskSite())
        defer { admin.registry.end(token) }
        let response = await admin.client.execute(.get, "/metrics")
        #expect(response.status == .ok)
        #expect(response.headers.first("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        for line in [#"http_request_duration_seconds_count{route="/r",method="GET",code="200"} 1"#,
                     #"tasks_active{name="worker",state="running"} 1"#, #"http_connections_active{proto="h1"} 3"#,
                     "http_requests_in_flight 0"] {
            #expect(response.text.contains(line), "\(line)")
        }
    }

    @Test(arguments: [("debug=1", "text/plain"), ("debug=2", "text/plain"), ("debug=1&format=json", "application/json"),
                      ("view=leaks", "text/plain")])
    func taskProfilesListTheRegistry(query: String, contentType: String) async {
        let admin = Admin()
        let token = admin.registry.register(name: "stock-validation", parent: nil, labels: [:], site: TaskSite())
        defer { admin.registry.end(token) }
        let response = await admin.client.execute(.get, "/debug/tasks?" + query)
        #expect(response.status == .ok)
        #expect(response.headers.first("Content-Type")?.hasPrefix(contentType) == true)
        if !query.hasPrefix("view") { #expect(response.text.contains("stock-validation")) }
    }

    @Test(arguments: ["debug=3", "format=xml", "seconds=0", "min_age=abc"])
    func badProfileParametersAre400NamingTheParameter(query: String) async {
        let response = await Admin().client.execute(.get, "/debug/tasks?" + query)
        #expect(response.status == .badRequest)
        let name = String(query.split(separator: "=")[0])
        #expect(response.text.contains(#""code":"invalid_parameter""#))
        #expect(response.text.contains(#""parameter":"\#(name)""#), "\(response.text)")
    }

    @Test func debug0IsAGzippedPprofDownloadAsGoServesIt() async {
        let admin = Admin()
        let token = admin.registry.register(name: "stock-validation", parent: nil, labels: [:], site: TaskSite())
        defer { admin.registry.end(token) }
        let response = await admin.client.execute(.get, "/debug/tasks?debug=0")
        #expect(response.status == .ok)
        #expect(response.headers.first("Content-Type") == "application/octet-stream")
        #expect(response.headers.first("Content-Disposition") == #"attachment; filename="tasks""#)
        #expect(response.headers.first("X-Content-Type-Options") == "nosniff")
        #expect(response.body.starts(with: [0x1F, 0x8B]), "gzip")
    }

    @Test(arguments: [("debug=0&format=json", "format"), ("format=json&debug=0", "format"),
                      ("debug=0&view=leaks", "view"), ("debug=-1", "debug")])
    func debug0WithAParameterThatDoesNotApplyIs400NamingIt(query: String, parameter: String) async {
        let response = await Admin().client.execute(.get, "/debug/tasks?" + query)
        #expect(response.status == .badRequest)
        #expect(response.text.contains(#""code":"invalid_parameter""#))
        #expect(response.text.contains(#""parameter":"\#(parameter)""#), "\(response.text)")
        #expect(response.headers.first("Content-Disposition") == nil)
    }

    @Test func varsAndIndexShowTheLiveFigures() async throws {
        let admin = Admin()
        let vars = await admin.client.execute(.get, "/debug/vars")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(vars.body)) as? [String: Any])
        #expect(object["version"] as? String == "1.2.3-test")
        #expect((object["connections"] as? [String: Int]) == ["h1": 3, "h2": 1])
        for path in ["/debug", "/debug/"] {
            let index = await admin.client.execute(.get, path)
            #expect(index.headers.first("Content-Type") == "text/html; charset=utf-8")
            #expect(index.text.contains("/debug/tasks?debug=1") && index.text.contains("4 conns"))
        }
    }
}
