/// Collects routes and middleware, then builds them into `Routes`, which the server serves.
///
/// Templates are literal segments and `{name}` captures: `/api/v1/order/{id}`.
///
/// ```swift
/// var router = Router()
/// router.add(middleware: DiagnosticMiddleware(...))       // every route, and 404/405/OPTIONS
/// router.get("/healthz", SynchronousHandler { _, _ in Response(body: ResponseBody(literal: "ok")) })
/// router.group("/api/v1", middleware: [RequireAPIKey(keys: keys)]) { api in
///     api.get("/order/{id}") { request, context in ... }
/// }
/// let server = HTTPServer(configuration: configuration, routes: router.build(), logger: logger)
/// ```
///
/// `build()` composes each route's responder once: the router's middleware outermost (in the
/// order added), then each enclosing group's, then the route's own, then the handler. A
/// request is then matched and its route's responder called; nothing is composed per request.
///
/// - A path that matches no template gives 404 `not_found`.
/// - A path that matches with another method gives 405 `method_not_allowed` with `Allow`.
/// - `HEAD` is served by the `GET` handler when no `HEAD` handler exists (the server sends
///   no body), and `OPTIONS` on a known path answers 204 with `Allow`.
/// These answers are responders too, behind the router's middleware, so they are counted,
/// logged and given request ids like any other.
public struct Router: Sendable, RouterMethods {
    /// One registered route, before composition.
    struct Route: Sendable {
        let method: HTTPMethod
        let template: String
        let handler: RouteHandler
        /// Group and route middleware, outermost first (the router's own come outside).
        let middleware: [any Middleware]
    }

    /// An `async` handler, or one that answers without a task.
    enum RouteHandler: Sendable {
        case async(Handler)
        case synchronous(SynchronousHandler)

        var responder: Responder {
            switch self {
            case .async(let handler):
                .handler(handler)
            case .synchronous(let handler):
                Responder(synchronous: { request, context in try handler(request, context) })
            }
        }
    }

    var routes: [Route] = []
    var middleware: [any Middleware] = []

    public init() {}

    /// Adds middleware around every route, and around the 404, 405 and OPTIONS answers.
    /// Middleware added first is outermost, whenever routes are registered.
    public mutating func add(middleware: any Middleware) {
        self.middleware.append(middleware)
    }

    /// Adds a route behind `middleware`, inside the router's own.
    public mutating func add(_ method: HTTPMethod, _ template: String, middleware: [any Middleware], handler: RouteHandlerValue) {
        precondition(template.hasPrefix("/"), "route templates start with '/': \(template)")
        routes.append(Route(method: method, template: template, handler: handler.base, middleware: middleware))
    }

    /// Adds the routes of a group under `prefix` (which starts with `/`), each behind
    /// `middleware` (outermost first), inside the router's own middleware. Inside the group,
    /// templates start with `/` too, and `"/"` is the prefix itself.
    ///
    /// A group's middleware wraps the group's routes only: the 404, 405 and OPTIONS answers
    /// are behind the router's middleware alone, so an OPTIONS or a wrong method on a
    /// group's path is answered without, say, the group's authentication.
    public mutating func group(_ prefix: String, middleware: [any Middleware] = [], _ body: (inout RouterGroup) -> Void) {
        var group = RouterGroup(prefix: prefix, middleware: middleware)
        body(&group)
        routes.append(contentsOf: group.routes)
    }

    /// Composes every route's responder and the tree that matches them.
    public func build() -> Routes {
        Routes(routes: routes, middleware: middleware)
    }
}

/// Routes registered under a common prefix and behind common middleware.
public struct RouterGroup: Sendable, RouterMethods {
    let prefix: String
    var middleware: [any Middleware]
    var routes: [Router.Route] = []

    init(prefix: String, middleware: [any Middleware]) {
        precondition(prefix.hasPrefix("/"), "group prefixes start with '/': \(prefix)")
        self.prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        self.middleware = middleware
    }

    /// Adds middleware around the routes registered in this group from now on, inside the
    /// group's earlier middleware.
    public mutating func add(middleware: any Middleware) {
        self.middleware.append(middleware)
    }

    /// Adds a route under the group's prefix, behind the group's middleware and then `middleware`.
    public mutating func add(_ method: HTTPMethod, _ template: String, middleware: [any Middleware], handler: RouteHandlerValue) {
        precondition(template.hasPrefix("/"), "route templates start with '/', in a group too: \(template)")
        let path = template == "/" ? (prefix.isEmpty ? "/" : prefix) : prefix + template
        routes.append(Router.Route(method: method, template: path, handler: handler.base,
                                   middleware: self.middleware + middleware))
    }

    /// A group inside this one: its prefix follows this one's, its middleware inside this
    /// one's.
    public mutating func group(_ prefix: String, middleware: [any Middleware] = [], _ body: (inout RouterGroup) -> Void) {
        precondition(prefix.hasPrefix("/"), "group prefixes start with '/': \(prefix)")
        var inner = RouterGroup(prefix: self.prefix + prefix, middleware: self.middleware + middleware)
        body(&inner)
        routes.append(contentsOf: inner.routes)
    }
}

/// A route's handler as registered: `async`, or synchronous (`SynchronousHandler`).
public struct RouteHandlerValue: Sendable {
    let base: Router.RouteHandler

    /// An `async` handler.
    public static func async(_ handler: @escaping Handler) -> RouteHandlerValue { RouteHandlerValue(base: .async(handler)) }
    /// A handler that answers without a task.
    public static func synchronous(_ handler: SynchronousHandler) -> RouteHandlerValue {
        RouteHandlerValue(base: .synchronous(handler))
    }
}

/// The registration methods that `Router` and `RouterGroup` share.
public protocol RouterMethods {
    /// Adds a route behind `middleware` (outermost first, inside any group's). Registering
    /// the same method and template twice replaces the first.
    mutating func add(_ method: HTTPMethod, _ template: String, middleware: [any Middleware], handler: RouteHandlerValue)
}

extension RouterMethods {
    /// Adds a route with an `async` handler.
    public mutating func on(_ method: HTTPMethod, _ template: String, middleware: [any Middleware] = [],
                            handler: @escaping Handler) {
        add(method, template, middleware: middleware, handler: .async(handler))
    }

    /// Adds a route whose handler answers without a task (see `SynchronousHandler`).
    public mutating func on(_ method: HTTPMethod, _ template: String, middleware: [any Middleware] = [],
                            _ handler: SynchronousHandler) {
        add(method, template, middleware: middleware, handler: .synchronous(handler))
    }

    /// Adds a `GET` route (which also answers `HEAD`) with an `async` handler.
    public mutating func get(_ template: String, middleware: [any Middleware] = [], handler: @escaping Handler) {
        on(.get, template, middleware: middleware, handler: handler)
    }
    /// Adds a `POST` route with an `async` handler.
    public mutating func post(_ template: String, middleware: [any Middleware] = [], handler: @escaping Handler) {
        on(.post, template, middleware: middleware, handler: handler)
    }
    /// Adds a `PUT` route with an `async` handler.
    public mutating func put(_ template: String, middleware: [any Middleware] = [], handler: @escaping Handler) {
        on(.put, template, middleware: middleware, handler: handler)
    }
    /// Adds a `DELETE` route with an `async` handler.
    public mutating func delete(_ template: String, middleware: [any Middleware] = [], handler: @escaping Handler) {
        on(.delete, template, middleware: middleware, handler: handler)
    }
    /// Adds a `GET` route (which also answers `HEAD`) whose handler answers without a task.
    public mutating func get(_ template: String, middleware: [any Middleware] = [], _ handler: SynchronousHandler) {
        on(.get, template, middleware: middleware, handler)
    }
    /// Adds a `POST` route whose handler answers without a task.
    public mutating func post(_ template: String, middleware: [any Middleware] = [], _ handler: SynchronousHandler) {
        on(.post, template, middleware: middleware, handler)
    }
}
