/// The outcome of routing one request.
public struct RouteMatch: Sendable {
    enum Kind: Sendable {
        case handler(Handler)
        case synchronous(SynchronousHandler)
        case options(allow: [HTTPMethod])
        case methodNotAllowed(allow: [HTTPMethod])
        case notFound
    }

    let kind: Kind
    /// The matched template, or `RequestContext.unmatchedRoute`.
    public let template: String
    /// Captured, percent-decoded path parameters.
    public let parameters: Parameters

    /// Whether a handler was found for the method.
    public var isHandled: Bool {
        switch kind {
        case .handler, .synchronous: true
        case .options, .methodNotAllowed, .notFound: false
        }
    }

    /// The handler when it answers without a task (see `SynchronousHandler`).
    public var synchronousHandler: SynchronousHandler? {
        if case .synchronous(let handler) = kind { return handler }
        return nil
    }
}

extension Router {
    /// Finds the route for `method` and `path` (the percent-encoded path, without query).
    public func match(method: HTTPMethod, path: String) -> RouteMatch {
        if let node = literalPaths.node(for: path) {
            return match(method: method, node: node, parameters: Parameters())
        }
        var current = 0
        var captured: [(String, String)] = []
        var utf8 = path.utf8[...]
        guard utf8.first == UInt8(ascii: "/") else { return Self.unmatched }
        utf8 = utf8.dropFirst()
        if !utf8.isEmpty || path.utf8.count > 1 {
            while true {
                let end = utf8.firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
                let segment = Substring(utf8[utf8.startIndex..<end])
                if let literal = nodes[current].literals.first(where: { $0.segment.utf8.elementsEqual(segment.utf8) }) {
                    current = literal.node
                } else if let capture = nodes[current].capture, !segment.isEmpty,
                          let value = Self.percentDecoded(segment) {
                    captured.append((capture.name, value))
                    current = capture.node
                } else {
                    return Self.unmatched
                }
                if end == utf8.endIndex { break }
                utf8 = utf8[utf8.index(after: end)...]
            }
        }
        return match(method: method, node: current, parameters: captured.isEmpty ? Parameters() : Parameters(captured))
    }

    /// The match at node `index`, read in place: copying a `Node` out of the array
    /// retained and released its four members on every request.
    private func match(method: HTTPMethod, node index: Int, parameters: Parameters) -> RouteMatch {
        guard let template = nodes[index].template, !nodes[index].handlers.isEmpty else { return Self.unmatched }
        if let found = nodes[index].handlers.first(where: { $0.method == method }) {
            return RouteMatch(kind: found.handler.matchKind, template: template, parameters: parameters)
        }
        if method == .head, let get = nodes[index].handlers.first(where: { $0.method == .get }) {
            return RouteMatch(kind: get.handler.matchKind, template: template, parameters: parameters)
        }
        let allow = Self.allowed(nodes[index])
        if method == .options {
            return RouteMatch(kind: .options(allow: allow), template: template, parameters: parameters)
        }
        return RouteMatch(kind: .methodNotAllowed(allow: allow), template: template, parameters: parameters)
    }

    static let unmatched = RouteMatch(kind: .notFound, template: RequestContext.unmatchedRoute, parameters: Parameters())

    static func allowed(_ node: Node) -> [HTTPMethod] {
        var methods = Set(node.handlers.map(\.method))
        if methods.contains(.get) { methods.insert(.head) }
        methods.insert(.options)
        return HTTPMethod.all.filter(methods.contains)
    }

    /// Decodes %XX escapes; `nil` for malformed escapes or bytes that are not UTF-8.
    static func percentDecoded(_ segment: Substring) -> String? {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return String(segment) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte != UInt8(ascii: "%") { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Router {
    /// Routes `request` and records the outcome in `context` (route template, parameters
    /// and the match itself), so middleware that runs before the handler can label by route.
    public func resolve(_ request: Request, into context: inout RequestContext) {
        context.routeMatch = route(request, into: &context)
    }

    /// Routes `request` and records the route template and parameters in `context`, but
    /// not the match itself: for a caller that answers a synchronous route at once.
    package func route(_ request: Request, into context: inout RequestContext) -> RouteMatch {
        let match = match(method: request.method, path: request.path)
        context.route = match.template
        context.parameters = match.parameters
        return match
    }
}

extension Router.RouteHandler {
    var matchKind: RouteMatch.Kind {
        switch self {
        case .async(let handler): .handler(handler)
        case .synchronous(let handler): .synchronous(handler)
        }
    }
}

extension Router: HTTPResponder {
    /// Routes the request and runs its handler; 404, 405 and OPTIONS answers are JSON.
    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        if context.isStarted, let match = context.routeMatch { return try await match.respond(to: request, context: context) }
        let match = match(method: request.method, path: request.path)
        var context = context
        context.route = match.template
        context.parameters = match.parameters
        return try await match.respond(to: request, context: context)
    }

    /// Routes the request, and answers it here when its route is synchronous.
    public func startRequest(_ request: Request, context: inout RequestContext) -> Response? {
        let match = route(request, into: &context)
        context.isStarted = true
        if let handler = match.synchronousHandler { return RouteMatch.answer(request, context: context, synchronously: handler) }
        context.routeMatch = match
        return nil
    }
}

extension RouteMatch {
    /// Runs the matched handler, or produces the 404/405/OPTIONS answer.
    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        if case .handler(let handler) = kind { return try await handler(request, context) }
        if case .synchronous(let handler) = kind { return try handler(request, context) }
        return try answerWithoutHandler(request)
    }

    /// Runs a synchronous handler; an error that escapes becomes its status or a 500, as
    /// for an `async` handler whose error reaches the server.
    public static func answer(_ request: Request, context: RequestContext, synchronously handler: SynchronousHandler) -> Response {
        do {
            return try handler(request, context)
        } catch {
            return EventLoop.errorResponse(error, context: context)
        }
    }

    /// The 404, 405 and OPTIONS answers. Synchronous and out of line, so that building them
    /// does not grow `respond`'s async frame, which every request allocates.
    @inline(never)
    func answerWithoutHandler(_ request: Request) throws -> Response {
        switch kind {
        case .handler, .synchronous:
            preconditionFailure("a route with a handler is answered by it")
        case .options(let allow):
            return Response(status: .noContent, headers: ["Allow": allow.map(\.rawValue).joined(separator: ", ")])
        case .methodNotAllowed(let allow):
            throw HTTPError(.methodNotAllowed, code: "method_not_allowed",
                            message: "\(request.method) is not allowed on \(template)",
                            headers: ["Allow": allow.map(\.rawValue).joined(separator: ", ")])
        case .notFound:
            throw HTTPError(.notFound, code: "not_found", message: "No route matches this path")
        }
    }
}
