import Logging
import Server

/// Drives a server's routes in process, without sockets or an event loop, the way the
/// server itself calls them: the request is routed, then its route's composed responder
/// answers it, behind every middleware the router was built with.
///
/// ```swift
/// var router = Router()
/// router.add(middleware: RequestIDMiddleware())
/// router.get("/hello") { _, _ in Response(body: ResponseBody(string: "hi")) }
/// let client = TestClient(router)
/// let response = await client.execute(.get, "/hello")
/// #expect(response.status == .ok)
/// #expect(response.text == "hi")
/// ```
///
/// An error that escapes every middleware is answered as the server answers it: an
/// `HTTPError` with its own status and body, anything else with a 500.
public struct TestClient: Sendable {
    /// The routes under test.
    public let routes: Routes
    /// The logger the requests' contexts carry.
    public let logger: Logger

    /// A client for `routes`.
    public init(_ routes: Routes, logger: Logger = Logger(label: "test")) {
        self.routes = routes
        self.logger = logger
    }

    /// A client for the routes `router` builds.
    public init(_ router: Router, logger: Logger = Logger(label: "test")) {
        self.init(router.build(), logger: logger)
    }

    /// Sends a request and returns the response.
    public func execute(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders = HTTPHeaders(),
                        body: [UInt8] = [], httpVersion: HTTPVersion = .http1_1) async -> TestResponse {
        await execute(Request(method: method, target: target, authority: "localhost", headers: headers, body: body),
                      httpVersion: httpVersion)
    }

    /// Sends a request with a UTF-8 body.
    public func execute(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders = HTTPHeaders(),
                        body: String, httpVersion: HTTPVersion = .http1_1) async -> TestResponse {
        await execute(method, target, headers: headers, body: Array(body.utf8), httpVersion: httpVersion)
    }

    /// Sends `request` and returns the response, with the route it matched. A synchronous
    /// route is answered by a plain call, as the server answers it (`runsInTask` false),
    /// although the caller's own task is still current.
    public func execute(_ request: Request, httpVersion: HTTPVersion = .http1_1) async -> TestResponse {
        var context = makeContext(httpVersion: httpVersion)
        let responder = routes.responder(for: request, context: &context)
        let response: Response
        if let answered = Routes.answerWithoutTask(request, with: responder, context: &context) {
            response = answered
        } else {
            do {
                response = try await responder.respond(to: request, context: &context)
            } catch {
                response = Routes.lastResortResponse(for: error, context: context)
            }
        }
        return TestResponse(response, method: request.method, route: context.route)
    }

    /// Answers `request` the way the server answers a synchronous route, by a plain call
    /// on the calling thread; `nil` when the route's responder needs a task. Call it from
    /// a thread that runs no task to see what a synchronous route sees.
    public func executeWithoutTask(_ request: Request, httpVersion: HTTPVersion = .http1_1) -> TestResponse? {
        var context = makeContext(httpVersion: httpVersion)
        let responder = routes.responder(for: request, context: &context)
        return Routes.answerWithoutTask(request, with: responder, context: &context)
            .map { TestResponse($0, method: request.method, route: context.route) }
    }

    private func makeContext(httpVersion: HTTPVersion) -> RequestContext {
        var context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
        context.httpVersion = httpVersion
        if httpVersion == .http2 { context.streamID = 1 }
        return context
    }
}

/// A response as a test reads it.
public struct TestResponse: Sendable {
    /// The response itself.
    public let response: Response
    /// The route template the request matched (`unmatched` for none).
    public let route: String

    /// The request's method: the server sends no body for `HEAD`.
    public let method: HTTPMethod

    init(_ response: Response, method: HTTPMethod, route: String) {
        self.response = response
        self.method = method
        self.route = route
    }

    /// The status.
    public var status: HTTPStatus { response.status }
    /// The header fields, `Content-Type` among them when the response has one.
    public var headers: HTTPHeaders {
        var headers = response.headers
        if let contentType = response.contentType { headers.add(name: "Content-Type", value: contentType.value) }
        return headers
    }
    /// The body's bytes as the client receives them: none for `HEAD`.
    public var body: [UInt8] { method == .head ? [] : response.body.bytes }
    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
