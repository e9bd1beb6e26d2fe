/// Maps a method and a path to a handler, through route templates with parameters.
///
/// Templates are literal segments and `{name}` captures: `/api/v1/order/{id}`. Matching
/// walks a tree of segments without allocating for the path; the matched template is kept
/// so that metrics and logs can label by route rather than by raw path.
///
/// - A path that matches no template gives 404.
/// - A path that matches with another method gives 405 with `Allow`.
/// - `HEAD` is served by the `GET` handler when no `HEAD` handler exists (the server sends
///   no body), and `OPTIONS` on a known path answers 204 with `Allow`.
public struct Router: Sendable {
    struct Node: Sendable {
        var literals: [(segment: String, node: Int)] = []
        var capture: (name: String, node: Int)?
        var handlers: [MethodHandler] = []
        var template: String?
    }

    /// A handler and its method, in a struct rather than a tuple: a closure inside a
    /// generic container's tuple is stored at the most general abstraction, so every lookup
    /// built a reabstraction thunk (an allocation) and every call went through two thunk
    /// frames.
    struct MethodHandler: Sendable {
        let method: HTTPMethod
        let handler: RouteHandler
    }

    /// An `async` handler, or one that answers without a task.
    enum RouteHandler: Sendable {
        case async(Handler)
        case synchronous(SynchronousHandler)
    }

    var nodes: [Node] = [Node()]
    /// Templates without captures, by exact path.
    var literalPaths = LiteralPaths()

    public init() {}

    /// Adds a route. Registering the same method and template twice replaces the handler.
    public mutating func on(_ method: HTTPMethod, _ template: String, handler: @escaping Handler) {
        add(method, template, .async(handler))
    }

    /// Adds a route whose handler answers without a task (see `SynchronousHandler`).
    public mutating func on(_ method: HTTPMethod, _ template: String, _ handler: SynchronousHandler) {
        add(method, template, .synchronous(handler))
    }

    mutating func add(_ method: HTTPMethod, _ template: String, _ handler: RouteHandler) {
        precondition(template.hasPrefix("/"), "route templates start with '/': \(template)")
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
        nodes[current].handlers.removeAll { $0.method == method }
        nodes[current].handlers.append(MethodHandler(method: method, handler: handler))
    }

    public mutating func get(_ template: String, handler: @escaping Handler) { on(.get, template, handler: handler) }
    public mutating func post(_ template: String, handler: @escaping Handler) { on(.post, template, handler: handler) }
    public mutating func put(_ template: String, handler: @escaping Handler) { on(.put, template, handler: handler) }
    public mutating func delete(_ template: String, handler: @escaping Handler) { on(.delete, template, handler: handler) }
    public mutating func get(_ template: String, _ handler: SynchronousHandler) { on(.get, template, handler) }
    public mutating func post(_ template: String, _ handler: SynchronousHandler) { on(.post, template, handler) }

    /// Splits a path into its segments; "/" has none, "/a/" has "a" and "".
    static func segments(of path: Substring) -> [Substring] {
        guard path.count > 1 else { return [] }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }
}
