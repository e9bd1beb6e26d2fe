/// What answers the requests of one route: its handler, wrapped in the route's middleware.
///
/// The router composes one responder per route and method when it is built
/// (`Router.build()`), never per request. A request is routed, then its responder is called:
///
/// - a **synchronous** responder (a `SynchronousHandler` behind nothing but
///   `SynchronousMiddleware`) answers with a plain call on the loop's thread: no Swift task;
/// - an **async** responder runs in the request's task, started on the loop and resumed there.
///
/// Which one a route has follows from its parts alone, so a user's middleware takes the fast
/// path on the same terms as ours.
public struct Responder: Sendable {
    /// A responder that answers without suspending. The context is `inout` so that the
    /// middleware around the handler shares one copy of it.
    public typealias SynchronousBody = @Sendable (Request, inout RequestContext) throws -> Response
    /// A responder that may suspend. The context is `inout` for the same reason: the
    /// request's task holds one copy, and synchronous middleware around an async handler
    /// adds its values to that copy instead of making its own.
    public typealias AsyncBody = @Sendable (Request, inout RequestContext) async throws -> Response

    @usableFromInline
    enum Body: Sendable {
        case synchronous(SynchronousBody)
        case async(AsyncBody)
        /// A route's own async handler, called as it is: wrapping it in an `AsyncBody`
        /// closure would cost every request an async frame.
        case handler(Handler)
    }

    @usableFromInline
    let body: Body

    /// A responder that answers without a task.
    @inlinable
    public init(synchronous body: @escaping SynchronousBody) {
        self.body = .synchronous(body)
    }

    /// A responder that runs in the request's task.
    @inlinable
    public init(_ body: @escaping AsyncBody) {
        self.body = .async(body)
    }

    /// A route's `async` handler, called as it is.
    static func handler(_ handler: @escaping Handler) -> Responder {
        Responder(body: .handler(handler))
    }

    @usableFromInline
    init(body: Body) {
        self.body = body
    }

    /// Whether the responder answers without a task.
    public var isSynchronous: Bool {
        if case .synchronous = body { return true }
        return false
    }

    /// The synchronous body, when there is one: what a `SynchronousMiddleware` fuses with.
    @inlinable
    public var synchronousBody: SynchronousBody? {
        if case .synchronous(let run) = body { return run }
        return nil
    }

    /// Answers the request, whichever kind the responder is.
    @inlinable
    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        var context = context
        return try await respond(to: request, context: &context)
    }

    /// Answers the request in the caller's copy of the context.
    @inlinable
    public func respond(to request: Request, context: inout RequestContext) async throws -> Response {
        switch body {
        case .async(let run):
            return try await run(request, &context)
        case .handler(let handler):
            return try await handler(request, context)
        case .synchronous(let run):
            return try run(request, &context)
        }
    }
}
