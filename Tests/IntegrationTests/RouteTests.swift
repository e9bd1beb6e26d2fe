import Foundation
import Testing

/// Every route and its error cases, through curl against the real server.
@Suite(.serialized)
struct RouteTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var method = "GET"
        var path: String
        var status: Int
        var contentType: String? = "application/json"
        /// Substrings the body must contain.
        var bodyContains: [String] = []
        /// A header line the response must contain (case-insensitive name).
        var header: String?
        var testDescription: String { "\(method) \(path) -> \(status)" }
    }

    static let server = Result { try ServerProcess() }

    static let cases: [Case] = [
        Case(path: "/plaintext", status: 200, contentType: "text/plain", bodyContains: ["Hello, World!"]),
        Case(path: "/json", status: 200, bodyContains: [#"{"message":"Hello, World!"}"#]),
        Case(path: "/healthz", status: 200, bodyContains: [#""status":"ok""#]),
        Case(path: "/readyz", status: 200, bodyContains: [#""status":"ready""#]),
        Case(path: "/api/v1/order/map?ids=1,2,3", status: 200, bodyContains: [#""id":1"#, #""id":2"#, #""id":3"#, #""not_found":[]"#]),
        Case(path: "/api/v1/order/map?ids=5,99999999", status: 200, bodyContains: [#""id":5"#, #""not_found":[99999999]"#]),
        Case(path: "/api/v1/order/map", status: 400, bodyContains: [#""code":"missing_parameter""#, "ids"]),
        Case(path: "/api/v1/order/map?ids=", status: 400, bodyContains: [#""code":"missing_parameter""#]),
        Case(path: "/api/v1/order/map?ids=1,abc", status: 400, bodyContains: [#""code":"invalid_parameter""#, "ids", "1,abc"]),
        Case(path: "/api/v1/order/map?ids=-4", status: 400, bodyContains: [#""code":"invalid_parameter""#]),
        Case(path: "/api/v1/order/map?ids=1,,2", status: 400, bodyContains: [#""code":"invalid_parameter""#]),
        Case(path: "/api/v1/user/fetch?name=alice", status: 200, bodyContains: [#""name":"alice""#]),
        Case(path: "/api/v1/user/fetch?name=nobody-at-all", status: 404, bodyContains: [#""code":"user_not_found""#]),
        Case(path: "/api/v1/user/fetch", status: 400, bodyContains: [#""code":"missing_parameter""#, "name"]),
        Case(path: "/no/such/route", status: 404, bodyContains: [#""code":"not_found""#]),
        Case(path: "/plaintext/", status: 404, bodyContains: [#""code":"not_found""#]),
        Case(method: "POST", path: "/plaintext", status: 405, bodyContains: [#""code":"method_not_allowed""#], header: "allow: GET, HEAD, OPTIONS"),
        Case(method: "DELETE", path: "/api/v1/order/map?ids=1", status: 405, header: "allow: GET, HEAD, POST, OPTIONS"),
        Case(method: "OPTIONS", path: "/json", status: 204, contentType: nil, header: "allow: GET, HEAD, OPTIONS"),
    ]

    @Test(arguments: cases)
    func route(_ testCase: Case) throws {
        let server = try Self.server.get()
        let result = try Curl.run(["-X", testCase.method, "http://127.0.0.1:\(server.port)\(testCase.path)"])
        #expect(result.status == testCase.status, "body: \(result.body)")
        let headers = result.headers.lowercased()
        if let contentType = testCase.contentType {
            #expect(headers.contains("content-type: \(contentType)"), "headers: \(result.headers)")
        }
        for fragment in testCase.bodyContains {
            #expect(result.body.contains(fragment), "body: \(result.body)")
        }
        if let header = testCase.header {
            #expect(headers.contains(header.lowercased()), "headers: \(result.headers)")
        }
        // Every error body is JSON with a code and a message.
        if testCase.status >= 400 {
            let error = Curl.json(result.body)?["error"] as? [String: Any]
            #expect(error?["code"] is String && error?["message"] is String, "body: \(result.body)")
        }
        #expect(headers.contains("server: orders\r\n"), "the Server header names no version")
        #expect(headers.contains("date: "))
    }

    @Test func headGivesLengthWithoutBody() throws {
        let server = try Self.server.get()
        let connection = try RawConnection(port: server.port)
        try connection.send("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try #require(connection.readResponse(headRequest: true))
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "13")
        #expect(head.body.isEmpty)
        // The next response starts right after the HEAD response's head: no stray body.
        let next = try #require(connection.readResponse())
        #expect(next.bodyText == #"{"message":"Hello, World!"}"#)
    }

    @Test func orderMapReturnsTheRequestedOrdersInOrder() throws {
        let server = try Self.server.get()
        let result = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/order/map?ids=7,3,42,0000012"])
        #expect(result.status == 200)
        let json = try #require(Curl.json(result.body))
        let orders = try #require(json["orders"] as? [[String: Any]])
        #expect(orders.compactMap { $0["id"] as? Int } == [7, 3, 42, 12])
        for order in orders {
            let items = order["items"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty)
            #expect(items.allSatisfy { $0["sku"] is String && $0["in_stock"] is Bool })
            #expect(order["stock_valid"] is Bool)
        }
    }
}
