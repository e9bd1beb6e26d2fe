import Logging
import Testing
@testable import Server

struct RouterTests {
    static let router: Router = {
        var router = Router()
        let reply: (String) -> Handler = { name in { _, context in
            Response(body: ResponseBody(string: "\(name) \(context.route) \(context.parameters.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ","))"))
        } }
        router.get("/", handler: reply("root"))
        router.get("/plaintext", handler: reply("plain"))
        router.get("/api/v1/order/map", handler: reply("map"))
        router.post("/api/v1/order/map", handler: reply("map-post"))
        router.get("/api/v1/order/{id}", handler: reply("order"))
        router.delete("/api/v1/order/{id}", handler: reply("order-delete"))
        router.get("/api/v1/order/{id}/items/{item}", handler: reply("item"))
        router.get("/api/v1/user/fetch", handler: reply("user"))
        return router
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        var method: HTTPMethod
        var path: String
        var outcome: String      // "handler:NAME", "404", "405:ALLOW", "options:ALLOW"
        var template: String
        var parameters: [String: String] = [:]
        var testDescription: String { "\(method) \(path)" }
    }

    static let cases: [Case] = [
        Case(method: .get, path: "/", outcome: "handler:root", template: "/"),
        Case(method: .get, path: "/plaintext", outcome: "handler:plain", template: "/plaintext"),
        Case(method: .get, path: "/api/v1/order/map", outcome: "handler:map", template: "/api/v1/order/map"),
        Case(method: .post, path: "/api/v1/order/map", outcome: "handler:map-post", template: "/api/v1/order/map"),
        // A literal segment wins over a capture at the same depth.
        Case(method: .get, path: "/api/v1/order/42", outcome: "handler:order", template: "/api/v1/order/{id}", parameters: ["id": "42"]),
        Case(method: .delete, path: "/api/v1/order/42", outcome: "handler:order-delete", template: "/api/v1/order/{id}", parameters: ["id": "42"]),
        Case(method: .get, path: "/api/v1/order/a%20b", outcome: "handler:order", template: "/api/v1/order/{id}", parameters: ["id": "a b"]),
        Case(method: .get, path: "/api/v1/order/7/items/x", outcome: "handler:item", template: "/api/v1/order/{id}/items/{item}", parameters: ["id": "7", "item": "x"]),
        Case(method: .head, path: "/plaintext", outcome: "handler:plain", template: "/plaintext"),
        Case(method: .post, path: "/plaintext", outcome: "405:GET, HEAD, OPTIONS", template: "/plaintext"),
        Case(method: .put, path: "/api/v1/order/map", outcome: "405:GET, HEAD, POST, OPTIONS", template: "/api/v1/order/map"),
        Case(method: .patch, path: "/api/v1/order/9", outcome: "405:GET, HEAD, DELETE, OPTIONS", template: "/api/v1/order/{id}"),
        Case(method: .options, path: "/plaintext", outcome: "options:GET, HEAD, OPTIONS", template: "/plaintext"),
        Case(method: .get, path: "/plaintext/", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "/api/v1/order", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "/api/v1/order/", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "/api/v1/order/1/items", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "/API/v1/order/map", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "//plaintext", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "/api/v1/order/%zz", outcome: "404", template: "unmatched"),
        Case(method: .get, path: "*", outcome: "404", template: "unmatched"),
    ]

    @Test(arguments: cases)
    func match(_ testCase: Case) async throws {
        let match = Self.router.match(method: testCase.method, path: testCase.path)
        #expect(match.template == testCase.template)
        switch match.kind {
        case .handler(let handler):
            var context = RequestContext(logger: Logger(label: "test"))
            context.route = match.template
            context.parameters = match.parameters
            let response = try await handler(Request(method: testCase.method, target: testCase.path), context)
            let name = String(decoding: response.body.bytes, as: UTF8.self).split(separator: " ")[0]
            #expect("handler:\(name)" == testCase.outcome)
            for (key, value) in testCase.parameters { #expect(match.parameters[key] == value) }
            #expect(match.parameters.count == testCase.parameters.count)
        case .notFound:
            #expect(testCase.outcome == "404")
        case .methodNotAllowed(let allow):
            #expect(testCase.outcome == "405:" + allow.map(\.rawValue).joined(separator: ", "))
        case .options(let allow):
            #expect(testCase.outcome == "options:" + allow.map(\.rawValue).joined(separator: ", "))
        }
    }

    @Test func respondTurnsMissesIntoJSONErrors() async throws {
        let context = RequestContext(logger: Logger(label: "test"))
        await #expect(throws: HTTPError.self) {
            _ = try await Self.router.respond(to: Request(method: .get, target: "/nope"), context: context)
        }
        do {
            _ = try await Self.router.respond(to: Request(method: .post, target: "/plaintext"), context: context)
            Issue.record("expected 405")
        } catch let error as HTTPError {
            #expect(error.status == .methodNotAllowed)
            #expect(error.headers["Allow"] == "GET, HEAD, OPTIONS")
            #expect(String(decoding: error.response.body.bytes, as: UTF8.self).contains(#""code":"method_not_allowed""#))
        }
    }

    @Test func reRegisteringReplacesTheHandler() async throws {
        var router = Router()
        router.get("/a") { _, _ in Response(body: ResponseBody(string: "one")) }
        router.get("/a") { _, _ in Response(body: ResponseBody(string: "two")) }
        let response = try await router.respond(to: Request(method: .get, target: "/a"), context: RequestContext(logger: Logger(label: "t")))
        #expect(response.body.bytes == Array("two".utf8))
    }
}
