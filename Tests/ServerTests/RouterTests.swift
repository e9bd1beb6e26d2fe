import Foundation
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
        // Synchronous handlers route exactly like async ones.
        router.get("/sync/{id}", SynchronousHandler { _, context in
            Response(body: ResponseBody(string: "sync \(context.route) id=\(context.parameters["id"] ?? "")"))
        })
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
        Case(method: .get, path: "/sync/5", outcome: "handler:sync", template: "/sync/{id}", parameters: ["id": "5"]),
        Case(method: .head, path: "/sync/5", outcome: "handler:sync", template: "/sync/{id}", parameters: ["id": "5"]),
        Case(method: .post, path: "/sync/5", outcome: "405:GET, HEAD, OPTIONS", template: "/sync/{id}"),
    ]

    @Test(arguments: cases)
    func match(_ testCase: Case) async throws {
        let match = Self.router.match(method: testCase.method, path: testCase.path)
        #expect(match.template == testCase.template)
        var context = RequestContext(logger: Logger(label: "test"))
        context.route = match.template
        context.parameters = match.parameters
        let request = Request(method: testCase.method, target: testCase.path)
        switch match.kind {
        case .handler, .synchronous:
            let response = try await match.respond(to: request, context: context)
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

    /// `startRequest` answers a synchronous route by a plain call, with no task, and leaves
    /// an async route routed for `respond`.
    @Test func startRequestAnswersSynchronousRoutesWithoutATask() async throws {
        var router = Router()
        router.get("/sync", SynchronousHandler { _, context in
            let inTask = withUnsafeCurrentTask { $0 != nil }
            return Response(body: ResponseBody(string: "route=\(context.route) task=\(inTask)"))
        })
        router.get("/async") { _, _ in Response(body: ResponseBody(string: "async")) }
        router.get("/sync-fails", SynchronousHandler { _, _ in
            throw HTTPError(.unprocessableContent, code: "busy", message: "try later")
        })
        struct Unexpected: Error {}
        router.get("/sync-crashes", SynchronousHandler { _, _ in throw Unexpected() })

        // Called from a plain thread, as the event loop calls it: no current task.
        let routes = router
        let answers = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var results: [String: (status: Int, body: String, route: String)?] = [:]
                for path in ["/sync", "/async", "/sync-fails", "/sync-crashes", "/missing"] {
                    var context = RequestContext(logger: Logger(label: "test"))
                    let response = routes.startRequest(Request(method: .get, target: path), context: &context)
                    results[path] = .some(response.map { ($0.status.code, String(decoding: $0.body.bytes, as: UTF8.self), context.route) })
                }
                continuation.resume(returning: results)
            }
        }
        #expect(answers["/sync"]??.status == 200)
        #expect(answers["/sync"]??.body == "route=/sync task=false")
        #expect(answers["/sync-fails"]??.status == 422, "an HTTPError keeps its status")
        #expect(answers["/sync-fails"]??.body.contains(#""code":"busy""#) == true)
        #expect(answers["/sync-crashes"]??.status == 500, "any other error is a 500")
        #expect(answers["/async"]! == nil, "an async route is left to respond")
        #expect(answers["/missing"]! == nil, "a miss is answered by respond, as before")

        // The async route's context comes back routed, and respond uses that match.
        var context = RequestContext(logger: Logger(label: "test"))
        let request = Request(method: .get, target: "/async")
        #expect(router.startRequest(request, context: &context) == nil)
        #expect(context.route == "/async")
        let response = try await router.respond(to: request, context: context)
        #expect(response.body.bytes == Array("async".utf8))
    }

    /// The literal-path table grows past its first size, finds every path it holds, misses
    /// the rest (prefixes, extensions, case changes), and replaces a re-added path.
    @Test func literalPathTableFindsExactlyItsPaths() {
        var table = Router.LiteralPaths()
        let paths = (0..<100).map { "/route/\($0)" } + ["/", "/plaintext", "/api/v1/order/map", "/ünïcode/päth"]
        for (node, path) in paths.enumerated() { table.set(path, node: node) }
        for (node, path) in paths.enumerated() { #expect(table.node(for: path) == node, "\(path)") }
        for miss in ["", "/route", "/route/100", "/route/1/", "/PLAINTEXT", "/plaintext?", "/api/v1/order/ma", "/unicode/path"] {
            #expect(table.node(for: miss) == nil, "\(miss)")
        }
        table.set("/plaintext", node: 7)
        #expect(table.node(for: "/plaintext") == 7)
    }
}
