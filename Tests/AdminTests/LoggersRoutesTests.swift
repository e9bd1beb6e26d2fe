import Foundation
import Logging
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import StructuredLogging
import TaskRegistry
import Testing
@testable import Admin

/// `/debug/loggers` in process: the level read and changed, and every bad body refused
/// without changing it.
struct LoggersRoutesTests {
    let control = LogLevelControl(.info)
    let client: TestClient

    init() {
        let prometheus = PrometheusCollectorRegistry()
        var router = Router()
        DiagnosticsRoutes.register(on: &router, diagnostics: Diagnostics(
            registry: TaskRegistry(shardCount: 1) { 0 }, prometheus: prometheus,
            httpMetrics: [HTTPMetrics(registry: prometheus)], connections: { [] }, loops: { [1] },
            version: "test", logLevel: control
        ))
        client = TestClient(router)
    }

    static let json: HTTPHeaders = ["Content-Type": "application/json"]

    @Test func getGivesTheLevelAndTheChoices() async throws {
        let response = await client.execute(.get, "/debug/loggers")
        #expect(response.status == .ok)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["levels"] as? [String] == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    @Test func postChangesTheLevelAtOnce() async throws {
        let response = await client.execute(.post, "/debug/loggers", headers: Self.json, body: #"{"level":"debug"}"#)
        #expect(response.status == .ok)
        #expect(response.text.contains(#""level":"debug""#) && response.text.contains(#""previous":"info""#))
        #expect(control.level == .debug)
        // A logger made before the change logs at the new level.
        let after = await client.execute(.get, "/debug/loggers")
        #expect(after.text.contains(#""level":"debug""#))
    }

    @Test(arguments: [
        (#"{"level":"verbose"}"#, "application/json", 400, "invalid_parameter"),
        (#"{"level":"DEBUG"}"#, "application/json", 400, "invalid_parameter"),
        (#"{"level":3}"#, "application/json", 400, "invalid_parameter"),
        (#"{}"#, "application/json", 400, "missing_parameter"),
        (#"{"level":"debug""#, "application/json", 400, "invalid_body"),
        ("level=debug", "application/json", 400, "invalid_body"),
        ("", "application/json", 400, "invalid_body"),
        (#"{"level":"debug"}"#, "text/plain", 415, "unsupported_media_type"),
    ])
    func badBodiesAre4xxAndChangeNothing(body: String, contentType: String, status: Int, code: String) async {
        let response = await client.execute(.post, "/debug/loggers", headers: ["Content-Type": contentType], body: body)
        #expect(response.status.code == status, "\(body)")
        #expect(response.text.contains(#""code":"\#(code)""#), "\(body): \(response.text)")
        #expect(control.level == .info)
    }

    @Test func theIndexListsIt() async {
        let response = await client.execute(.get, "/debug/")
        #expect(response.text.contains("/debug/loggers"))
    }
}
