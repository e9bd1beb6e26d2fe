/// The routes of a server, built once by `Router.build()`: a tree of path segments whose
/// nodes hold each method's composed responder.
///
/// Matching walks the tree without allocating for the path; a template without captures
/// is found by one hash in `LiteralPaths` instead. The matched template is recorded in the
/// context, so that metrics and logs label by route rather than by raw path.
public struct Routes: Sendable {
    struct Node: Sendable {
        var literals: [(segment: String, node: Int)] = []
        var capture: (name: String, node: Int)?
        var template: String?
        /// Each method's responder, `HEAD` included where only `GET` was registered.
        var methods: [MethodResponder] = []
        /// The OPTIONS and 405 answers for this path, behind the router's middleware.
        var options: Responder?
        var methodNotAllowed: Responder?
    }

    /// A responder and its method, in a struct rather than a tuple: a closure inside a
    /// generic container's tuple is stored at the most general abstraction, so every lookup
    /// built a reabstraction thunk (an allocation) and every call went through two thunk
    /// frames.
    struct MethodResponder: Sendable {
        let method: HTTPMethod
        let responder: Responder
    }

    var nodes: [Node] = [Node()]
    /// Templates without captures, by exact path.
    var literalPaths = LiteralPaths()
    /// The 404 answer, behind the router's middleware.
    let notFound: Responder

    init(routes: [Router.Route], middleware: [any Middleware]) {
        notFound = Self.notFoundResponder.wrapped(in: middleware)
        var handlers: [Int: [Router.Route]] = [:]
        for route in routes {
            let node = insert(route.template)
            handlers[node, default: []].removeAll { $0.method == route.method }
            handlers[node, default: []].append(route)
        }
        for (node, routes) in handlers {
            nodes[node].methods = routes.map { route in
                MethodResponder(method: route.method,
                                responder: route.handler.responder.wrapped(in: middleware + route.middleware))
            }
            if !routes.contains(where: { $0.method == .head }), let get = nodes[node].methods.first(where: { $0.method == .get }) {
                nodes[node].methods.append(MethodResponder(method: .head, responder: get.responder))
            }
            let allow = Self.allowed(routes.map(\.method))
            let template = nodes[node].template ?? ""
            nodes[node].options = Self.optionsResponder(allow: allow).wrapped(in: middleware)
            nodes[node].methodNotAllowed = Self.methodNotAllowedResponder(allow: allow, template: template).wrapped(in: middleware)
        }
    }

    /// Adds the nodes of `template` and returns the last one's index.
    private mutating func insert(_ template: String) -> Int {
        var current = 0
        for segment in Self.segments(of: Substring(template)) {
            if segment.hasPrefix("{") && segment.hasSuffix("}") && segment.count > 2 {
                let name = String(segment.dropFirst().dropLast())
                if let capture = nodes[current].capture {
                    precondition(capture.name == name, "conflicting parameter names at \(template)")
                    current = capture.node
                } else {
                    nodes.append(Node())
                    nodes[current].capture = (name, nodes.count - 1)
                    current = nodes.count - 1
                }
            } else if let existing = nodes[current].literals.first(where: { $0.segment == segment }) {
                current = existing.node
            } else {
                nodes.append(Node())
                nodes[current].literals.append((String(segment), nodes.count - 1))
                current = nodes.count - 1
            }
        }
        nodes[current].template = template
        if !template.contains("{") { literalPaths.set(template, node: current) }
        return current
    }

    /// Splits a path into its segments; "/" has none, "/a/" has "a" and "".
    static func segments(of path: Substring) -> [Substring] {
        guard path.count > 1 else { return [] }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }

    /// The methods a path answers, in `HTTPMethod.all` order: its own, `HEAD` with `GET`,
    /// and `OPTIONS`.
    static func allowed(_ registered: [HTTPMethod]) -> [HTTPMethod] {
        var methods = Set(registered)
        if methods.contains(.get) { methods.insert(.head) }
        methods.insert(.options)
        return HTTPMethod.all.filter(methods.contains)
    }

    static let notFoundResponder = Responder(synchronous: { _, _ in throw HTTPError.notFound })

    static func optionsResponder(allow: [HTTPMethod]) -> Responder {
        let headers: HTTPHeaders = ["Allow": allow.map(\.rawValue).joined(separator: ", ")]
        return Responder(synchronous: { _, _ in Response(status: .noContent, headers: headers) })
    }

    static func methodNotAllowedResponder(allow: [HTTPMethod], template: String) -> Responder {
        let allowed = allow.map(\.rawValue).joined(separator: ", ")
        return Responder(synchronous: { request, _ in
            throw HTTPError.methodNotAllowed(request.method, route: template, allow: allowed)
        })
    }
}
