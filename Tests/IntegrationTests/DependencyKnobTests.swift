import Foundation
import Testing

/// `/debug/dependencies` against the real binary: a latency or failure rate set while it
/// runs reaches the order map's next requests, reset restores the flags' values, every bad
/// value is a 400 naming its setting that changes nothing, and none of it is on the public port.
@Suite(.serialized)
struct DependencyKnobTests {
    static let server = Result { try ServerProcess(["--stock-latency", "2", "--inventory-cache-ttl", "7000", "--slow-inventory-latency", "30"]) }

    static let fields = ["inventory_latency_ms", "inventory_failure_rate", "inventory_cache_ttl_ms",
                         "slow_inventory_latency_ms", "stock_latency_ms", "stock_failure_rate"]

    static func url(_ server: ServerProcess, _ path: String = "") -> String {
        "http://127.0.0.1:\(server.adminPort)/debug/dependencies\(path)"
    }

    static func post(_ server: ServerProcess, _ path: String = "", body: String) throws -> Curl.Result {
        try Curl.run(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, url(server, path)])
    }

    /// The settings in force, as GET shows them.
    static func settings(_ server: ServerProcess) throws -> [String: Double] {
        let object = try #require(Curl.json(try Curl.run([url(server)]).body))
        return (object["settings"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    /// One order-map request on a fresh connection: its status, body and seconds taken.
    static func orderMap(_ server: ServerProcess) throws -> (status: Int, body: String, seconds: Double) {
        let connection = try RawConnection(port: server.port, receiveTimeout: 10)
        let start = Date()
        try connection.send("GET /api/v1/order/map?ids=1,2,3 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try #require(connection.readResponse())
        return (response.status, response.bodyText, Date().timeIntervalSince(start))
    }

    @Test func getShowsTheStartupFlags() throws {
        let server = try Self.server.get()
        _ = try Self.post(server, "/reset", body: "")
        let object = try #require(Curl.json(try Curl.run([Self.url(server)]).body))
        for key in ["settings", "startup"] {
            let values = try #require(object[key] as? [String: Any])
            #expect(Set(values.keys) == Set(Self.fields))
            #expect((values["stock_latency_ms"] as? NSNumber)?.doubleValue == 2)
            #expect((values["inventory_cache_ttl_ms"] as? NSNumber)?.doubleValue == 7000)
            #expect((values["slow_inventory_latency_ms"] as? NSNumber)?.doubleValue == 30)
            #expect((values["inventory_failure_rate"] as? NSNumber)?.doubleValue == 0)
        }
    }

    @Test func aStockLatencySetWhileRunningSlowsTheOrderMapAndResetRestoresIt() throws {
        let server = try Self.server.get()
        _ = try Self.post(server, "/reset", body: "")
        let before = try Self.orderMap(server)
        #expect(before.status == 200)
        #expect(before.seconds < 0.6, "2 ms per validation at start-up")

        let changed = try Self.post(server, body: #"{"stock_latency_ms":700}"#)
        #expect(changed.status == 200, "\(changed.body)")
        #expect(try Self.settings(server)["stock_latency_ms"] == 700)
        let slow = try Self.orderMap(server)
        #expect(slow.status == 200)
        #expect(slow.seconds >= 0.7, "the three validations run at once, 700 ms each")
        #expect(server.log.contains("dependency settings changed"))
        #expect(server.log.contains("stock_latency_ms=2 -> 700"))

        let reset = try Self.post(server, "/reset", body: "")
        #expect(reset.status == 200)
        #expect(try Self.settings(server)["stock_latency_ms"] == 2)
        #expect(try Self.orderMap(server).seconds < 0.6)
        #expect(server.log.contains("dependency settings reset to start-up values"))
    }

    @Test(arguments: [
        (#"{"stock_failure_rate":1}"#, "stock-validator"),
        // With caching off every read reaches the inventory source.
        (#"{"inventory_failure_rate":1,"inventory_cache_ttl_ms":0}"#, "inventory"),
    ])
    func aFailureRateOfOneFailsTheOrderMapUntilReset(body: String, dependency: String) throws {
        let server = try Self.server.get()
        _ = try Self.post(server, "/reset", body: "")
        #expect(try Self.orderMap(server).status == 200)

        #expect(try Self.post(server, body: body).status == 200)
        for _ in 0..<3 {
            let failed = try Self.orderMap(server)
            #expect(failed.status == 503)
            let error = try #require(Curl.json(failed.body)?["error"] as? [String: Any])
            #expect(error["code"] as? String == "dependency_unavailable")
            #expect((error["message"] as? String)?.hasPrefix("\(dependency):") == true, "\(failed.body)")
        }
        _ = try Self.post(server, "/reset", body: "")
        #expect(try Self.orderMap(server).status == 200)
    }

    /// Every setting with every kind of bad value.
    static let badValues: [(String, String)] = fields.flatMap { field in
        [field.hasSuffix("_ms") ? "86400001" : "1.5", "-1", "NaN", "Infinity", #""5""#, "true", "null", "[]", "{}"].map { (field, $0) }
    }

    @Test(arguments: badValues)
    func aBadValueIs400NamingItsSettingAndChangesNothing(field: String, value: String) throws {
        let server = try Self.server.get()
        let before = try Self.settings(server)
        let other = field == "stock_latency_ms" ? "inventory_latency_ms" : "stock_latency_ms"
        let result = try Self.post(server, body: #"{"\#(other)":33,"\#(field)":\#(value)}"#)
        #expect(result.status == 400)
        let error = try #require(Curl.json(result.body)?["error"] as? [String: Any], "\(result.body)")
        #expect(error["code"] as? String == "invalid_parameter")
        #expect(error["parameter"] as? String == field)
        #expect(try Self.settings(server) == before)
    }

    @Test(arguments: [
        (#"{"no_such_setting":1}"#, 400, "unknown_setting"),
        (#"{"stock_latency_ms" 5}"#, 400, "invalid_body"),
        ("{}", 400, "invalid_body"),
        (#"{"stock_latency_ms":5,"x":""# + String(repeating: "y", count: 5000) + #""}"#, 413, "content_too_large"),
    ])
    func aBadBodyIsRefusedAndChangesNothing(body: String, status: Int, code: String) throws {
        let server = try Self.server.get()
        let before = try Self.settings(server)
        let result = try Self.post(server, body: body)
        #expect(result.status == status)
        #expect((Curl.json(result.body)?["error"] as? [String: Any])?["code"] as? String == code, "\(result.body)")
        #expect(try Self.settings(server) == before)
    }

    @Test func changesArePostOnly() throws {
        let server = try Self.server.get()
        let before = try Self.settings(server)
        let sneaky = try Curl.run([Self.url(server, "?stock_latency_ms=900")])
        #expect(sneaky.status == 405)
        #expect(sneaky.headers.contains("Allow: GET, POST"))
        let resetByGet = try Curl.run([Self.url(server, "/reset")])
        #expect(resetByGet.status == 405)
        #expect(resetByGet.headers.contains("Allow: POST"))
        #expect(try Self.post(server, "/nope", body: #"{"stock_latency_ms":900}"#).status == 404)
        #expect(try Self.settings(server) == before)
    }

    @Test(arguments: ["", "/reset"])
    func theEndpointIsNotOnThePublicPort(path: String) throws {
        let server = try Self.server.get()
        let before = try Self.settings(server)
        let public_ = "http://127.0.0.1:\(server.port)/debug/dependencies\(path)"
        #expect(try Curl.run([public_]).status == 404)
        let post = try Curl.run(["-X", "POST", "-H", "Content-Type: application/json", "-d", #"{"stock_latency_ms":900}"#, public_])
        #expect(post.status == 404)
        #expect(try Self.settings(server) == before)
        let index = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/"])
        #expect(index.body.contains(#"href="/debug/dependencies""#))
    }

    @Test func aStartupFlagOutOfRangeIsRefused() throws {
        #expect(throws: ServerProcessError.self) { try ServerProcess(["--stock-latency", "86400001"]) }
    }
}
