import Foundation
import Logging
import OrderService
import Server
import ServerTesting
import Synchronization
import Testing
@testable import orders

/// `/debug/dependencies` in process, on the admin router `orders serve` builds: the settings
/// read, changed in part, refused whole when any value is bad, reset, and each change logged.
struct DependencyRoutesTests {
    typealias Field = DependencySettings.Field

    let dependencies = DependencyControl(DependencySettings(stockValidatorLatency: .milliseconds(5), stockValidatorFailureRate: 0.1))
    let log = RecordedLog()
    let client: TestClient

    init() {
        let log = self.log
        client = AdminRoutesTests.client(Faults(), dependencies: dependencies,
                                         logger: Logger(label: "admin-tests") { _ in RecordedLog.Handler(log: log) })
    }

    static let json: HTTPHeaders = ["Content-Type": "application/json"]

    func get() async throws -> [String: Any] {
        let response = await client.execute(.get, "/debug/dependencies")
        #expect(response.status == .ok)
        #expect(response.headers.first("Content-Type") == "application/json")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
    }

    static func numbers(_ object: Any?) -> [String: Double] {
        (object as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    @Test func getShowsEverySettingAndTheStartupValues() async throws {
        let object = try await get()
        let expected: [String: Double] = [
            "inventory_latency_ms": 0, "inventory_failure_rate": 0, "inventory_cache_ttl_ms": 5000,
            "slow_inventory_latency_ms": 50, "stock_latency_ms": 5, "stock_failure_rate": 0.1,
        ]
        #expect(Self.numbers(object["settings"]) == expected)
        #expect(Self.numbers(object["startup"]) == expected)
    }

    @Test func postChangesOnlyTheNamedSettingsAndAnswersTheWholeSet() async throws {
        let response = await client.execute(.post, "/debug/dependencies", headers: Self.json,
                                            body: #"{"stock_failure_rate":1,"inventory_latency_ms":12.5}"#)
        #expect(response.status == .ok, "\(response.text)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        let settings = Self.numbers(object["settings"])
        #expect(settings["stock_failure_rate"] == 1)
        #expect(settings["inventory_latency_ms"] == 12.5)
        #expect(settings["stock_latency_ms"] == 5)  // not named: kept
        #expect(settings.count == Field.allCases.count)
        #expect(Self.numbers(object["previous"])["stock_failure_rate"] == 0.1)
        #expect(object["changed"] as? [String] == ["inventory_latency_ms", "stock_failure_rate"])
        #expect(Self.numbers(object["startup"])["stock_failure_rate"] == 0.1)

        #expect(dependencies.current.stockValidatorFailureRate == 1)
        #expect(dependencies.current.inventoryLatency == .microseconds(12_500))
        #expect(Self.numbers(try await get()["settings"]) == settings)

        let lines = log.lines.withLock { $0 }
        let line = try #require(lines.first { $0.message == "dependency settings changed" })
        #expect(line.level == .notice)
        #expect(line.metadata["stock_failure_rate"] == "0.1 -> 1")
        #expect(line.metadata["inventory_latency_ms"] == "0 -> 12.5")
        #expect(line.metadata["stock_latency_ms"] == nil)
    }

    @Test func resetRestoresTheStartupValues() async throws {
        _ = await client.execute(.post, "/debug/dependencies", headers: Self.json, body: #"{"stock_latency_ms":900,"inventory_cache_ttl_ms":0}"#)
        let response = await client.execute(.post, "/debug/dependencies/reset")
        #expect(response.status == .ok)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        #expect(Self.numbers(object["settings"]) == Self.numbers(object["startup"]))
        #expect(Self.numbers(object["previous"])["stock_latency_ms"] == 900)
        #expect(object["changed"] as? [String] == ["inventory_cache_ttl_ms", "stock_latency_ms"])
        #expect(dependencies.current == dependencies.startup)
        let line = try #require(log.lines.withLock { $0 }.first { $0.message == "dependency settings reset to start-up values" })
        #expect(line.metadata["stock_latency_ms"] == "900 -> 5")
    }

    @Test func aChangeToTheSameValuesIsLoggedAsUnchanged() async throws {
        let response = await client.execute(.post, "/debug/dependencies", headers: Self.json, body: #"{"stock_latency_ms":5}"#)
        #expect(response.status == .ok)
        #expect(response.text.contains(#""changed":[]"#))
        let lines = log.lines.withLock { $0 }
        #expect(lines.map(\.message) == ["dependency settings unchanged"])
        #expect(lines.first?.level == .info)
    }

    /// Every setting with every kind of bad value: the wrong type, out of range, NaN and
    /// Infinity (which some encoders write), and numbers JSON cannot carry.
    static let badValues: [(Field, String, String?)] = Field.allCases.flatMap { field -> [(Field, String, String?)] in
        let overLimit = field.isDuration ? "86400001" : "1.5"
        return [
            ("-1", "-1"), ("-0.001", "-0.001"), (overLimit, overLimit), ("NaN", "NaN"), ("Infinity", "Infinity"),
            ("-Infinity", "-Infinity"), (#""250""#, nil), ("true", nil), ("null", nil), ("[1]", nil), (#"{"ms":1}"#, nil),
        ].map { (field, $0.0, $0.1) }
    }

    @Test(arguments: badValues)
    func aBadValueIs400NamingItsFieldAndChangesNothing(field: Field, value: String, received: String?) async throws {
        let before = try await get()
        // The bad value comes with a good one, which is not applied either.
        let other = field == .stockValidatorLatency ? "inventory_latency_ms" : "stock_latency_ms"
        let response = await client.execute(.post, "/debug/dependencies", headers: Self.json,
                                            body: #"{"\#(other)":77,"\#(field.name)":\#(value)}"#)
        #expect(response.status == .badRequest)
        let error = try #require((try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])?["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid_parameter", "\(response.text)")
        #expect(error["parameter"] as? String == field.name)
        #expect(error["expected"] as? String == field.expected)
        #expect(error["received"] as? String == received)
        #expect(Self.numbers(try await get()["settings"]) == Self.numbers(before["settings"]))
        #expect(log.lines.withLock { $0 }.isEmpty)
    }

    @Test(arguments: [
        (#"{"stock_latency":5}"#, "application/json", 400, "unknown_setting", "stock_latency"),
        (#"{"stock_latency_ms":5,"STOCK_FAILURE_RATE":1}"#, "application/json", 400, "unknown_setting", "STOCK_FAILURE_RATE"),
        (#"{"stock_latency_ms":5"#, "application/json", 400, "invalid_body", nil),
        (#"{"stock_latency_ms":5} trailing"#, "application/json", 400, "invalid_body", nil),
        (#"{"stock_latency_ms":1e400}"#, "application/json", 400, "invalid_body", nil),
        ("stock_latency_ms=5", "application/json", 400, "invalid_body", nil),
        ("[]", "application/json", 400, "invalid_body", nil),
        ("{}", "application/json", 400, "invalid_body", nil),
        ("", "application/json", 400, "invalid_body", nil),
        (#"{"stock_latency_ms":5}"#, "text/plain", 415, "unsupported_media_type", nil),
        (#"{"stock_latency_ms":5,"pad":""# + String(repeating: "x", count: 4096) + #""}"#, "application/json", 413, "content_too_large", nil),
    ] as [(String, String, Int, String, String?)])
    func aBadBodyIsRefusedAndChangesNothing(body: String, contentType: String, status: Int, code: String, parameter: String?) async throws {
        let before = dependencies.current
        let response = await client.execute(.post, "/debug/dependencies", headers: ["Content-Type": contentType], body: body)
        #expect(response.status.code == status)
        let error = try #require((try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])?["error"] as? [String: Any])
        #expect(error["code"] as? String == code, "\(response.text)")
        #expect(error["parameter"] as? String == parameter)
        #expect(dependencies.current == before)
    }

    @Test(arguments: [
        (HTTPMethod.get, "/debug/dependencies?stock_latency_ms=5", 405, "GET, POST"),
        (.put, "/debug/dependencies", 405, "GET, HEAD, POST, OPTIONS"),
        (.delete, "/debug/dependencies", 405, "GET, HEAD, POST, OPTIONS"),
        (.get, "/debug/dependencies/reset", 405, "POST, OPTIONS"),
        (.post, "/debug/dependencies/nope", 404, nil),
        (.post, "/debug/dependencies/reset/now", 404, nil),
    ] as [(HTTPMethod, String, Int, String?)])
    func changesArePostOnlyOnTheirOwnPaths(method: HTTPMethod, target: String, status: Int, allow: String?) async {
        _ = try? dependencies.update { $0.stockValidatorLatency = .milliseconds(60) }
        let response = await client.execute(method, target, headers: Self.json, body: #"{"stock_latency_ms":1}"#)
        #expect(response.status.code == status)
        #expect(response.headers.first("Allow") == allow)
        #expect(response.text.contains(#""error":{"code":"#))
        #expect(dependencies.current.stockValidatorLatency == .milliseconds(60))
    }

    @Test func theDebugIndexListsTheEndpoint() async {
        let index = await client.execute(.get, "/debug/")
        #expect(index.text.contains(#"href="/debug/dependencies""#))
    }
}

/// Log records with their level, message and metadata.
final class RecordedLog: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    let lines = Mutex<[Line]>([])

    struct Handler: LogHandler {
        let log: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }.mapValues { "\($0)" }
            log.lines.withLock { $0.append(Line(level: event.level, message: "\(event.message)", metadata: all)) }
        }
    }
}
