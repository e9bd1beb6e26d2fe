import Foundation
import Logging
import ServerTesting
import Synchronization
import Testing
@testable import Server

struct RouterTests {
    static let routes: Routes = {
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
        return router.build()
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

    /// Every request is matched and answered by its route's responder: the handler, or the
    /// router's own 404, 405 and OPTIONS answers.
    @Test(arguments: cases)
    func match(_ testCase: Case) async throws {
        let match = Self.routes.match(method: testCase.method, path: testCase.path)
        #expect(match.template == testCase.template)

        let response = await TestClient(Self.routes).execute(testCase.method, testCase.path)
        #expect(response.route == testCase.template)
        let allow = response.headers.first("Allow") ?? ""
        switch response.status {
        case .ok:
            // The handler's body as it made it (a HEAD client receives none of it).
            let words = String(decoding: response.response.body.bytes, as: UTF8.self).split(separator: " ")
            try #require(words.count >= 2)
            #expect("handler:\(words[0])" == testCase.outcome)
            #expect(words[1] == Substring(testCase.template), "the handler sees the template")
            #expect(response.body.isEmpty == (testCase.method == .head))
            for (key, value) in testCase.parameters { #expect(match.parameters[key] == value) }
            #expect(match.parameters.count == testCase.parameters.count)
        case .notFound:
            #expect(testCase.outcome == "404")
            #expect(response.text.contains(#""code":"not_found""#))
        case .methodNotAllowed:
            #expect(testCase.outcome == "405:" + allow)
            #expect(response.text.contains(#""code":"method_not_allowed""#))
        case .noContent:
            #expect(testCase.outcome == "options:" + allow)
        default:
            Issue.record("unexpected status \(response.status.code)")
        }
    }

    @Test func missesThrowJSONErrorsWithoutMiddleware() async throws {
        let context = RequestContext(logger: Logger(label: "test"))
        await #expect(throws: HTTPError.notFound) {
            _ = try await Self.routes.respond(to: Request(method: .get, target: "/nope"), context: context)
        }
        do {
            _ = try await Self.routes.respond(to: Request(method: .post, target: "/plaintext"), context: context)
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
        #expect(await TestClient(router).execute(.get, "/a").text == "two")
    }

    /// A synchronous route is answered by a plain call, with no task, and so are the 404,
    /// 405 and OPTIONS answers; an async route needs the request's task.
    @Test func synchronousRoutesAreAnsweredWithoutATask() async throws {
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
        let client = TestClient(router)

        // Called from a plain thread, as the event loop calls it: no current task.
        let answers = await onThreadWithoutTask {
            var results: [String: (status: Int, body: String, route: String)?] = [:]
            for path in ["/sync", "/async", "/sync-fails", "/sync-crashes", "/missing"] {
                let response = client.executeWithoutTask(Request(method: .get, target: path))
                results[path] = .some(response.map { ($0.status.code, $0.text, $0.route) })
            }
            return results
        }
        #expect(answers["/sync"]??.status == 200)
        #expect(answers["/sync"]??.body == "route=/sync task=false")
        #expect(answers["/sync-fails"]??.status == 422, "an HTTPError keeps its status")
        #expect(answers["/sync-fails"]??.body.contains(#""code":"busy""#) == true)
        #expect(answers["/sync-crashes"]??.status == 500, "any other error is a 500")
        #expect(answers["/async"]! == nil, "an async route needs its task")
        #expect(answers["/missing"]??.status == 404, "a miss is answered at once too")
        #expect(await client.execute(.get, "/async").text == "async")
    }

    /// Group prefixes join templates with one slash: `"/"` is the prefix itself, nested
    /// groups add theirs, and every joined template routes to its handler.
    @Test func groupPrefixesJoinTemplates() async {
        var router = Router()
        let reply: Handler = { _, context in Response(body: ResponseBody(string: context.route)) }
        router.group("/api") { api in
            api.get("/", handler: reply)
            api.get("/users", handler: reply)
            api.group("/v1") { v1 in
                v1.get("/", handler: reply)
                v1.get("/orders/{id}", handler: reply)
            }
        }
        let client = TestClient(router)
        for (path, route) in [("/api", "/api"), ("/api/users", "/api/users"), ("/api/v1", "/api/v1"),
                              ("/api/v1/orders/7", "/api/v1/orders/{id}"), ("/api/", "unmatched"), ("/apiusers", "unmatched")] {
            let response = await client.execute(.get, path)
            #expect(response.route == route, "\(path)")
            #expect(response.status == (route == "unmatched" ? .notFound : .ok), "\(path)")
        }
    }

    /// HEAD is answered by the GET handler, with the client receiving no body.
    @Test func headIsAnsweredByGetWithoutABody() async {
        var router = Router()
        router.get("/page", SynchronousHandler { _, _ in Response(body: ResponseBody(string: "content")) })
        let client = TestClient(router)
        let head = await client.execute(.head, "/page")
        #expect(head.status == .ok && head.route == "/page")
        #expect(head.body.isEmpty)
        #expect(head.response.body.count == 7, "the server still knows the length it would have sent")
        #expect(await client.execute(.get, "/page").text == "content")
    }

    /// The literal-path table grows past its first size, finds every path it holds, misses
    /// the rest (prefixes, extensions, case changes), and replaces a re-added path.
    @Test func literalPathTableFindsExactlyItsPaths() {
        var table = Routes.LiteralPaths()
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
