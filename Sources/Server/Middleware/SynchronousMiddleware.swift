/// A middleware whose work is synchronous: a step before the rest of the route and a step
/// after it.
///
/// The router fuses it with what it wraps. Around a synchronous responder the result is
/// synchronous, so a `SynchronousHandler` behind nothing but `SynchronousMiddleware` is
/// answered by plain calls on the loop's thread, with no task; around an async responder it
/// runs its steps in the request's task, in one async frame.
///
/// ```swift
/// /// Says which build answered, on every response.
/// struct BuildHeader: SynchronousMiddleware {
///     let build: String
///     func begin(_ request: Request, context: inout RequestContext) {}
///     func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {
///         response.headers.add(name: "X-Build", value: build)
///     }
/// }
/// ```
///
/// `State` carries what `begin` learned to the `end` step for one request (a start time, a
/// registry entry), so the middleware itself holds no per-request state. Exactly one of the
/// two `end` steps runs for each `begin` that returned: the response one when the rest of
/// the route answered, the error one when it threw. A middleware that must clean up (a
/// registry entry, an in-flight count) implements both.
public protocol SynchronousMiddleware: Middleware {
    /// What `begin` hands to `end`.
    associatedtype State = Void

    /// Runs before the rest of the route, and may add typed values to the context for it.
    /// A thrown error skips the rest of the route and this middleware's `end`: the
    /// middleware outside this one sees it as the route's error.
    func begin(_ request: Request, context: inout RequestContext) throws -> State

    /// Runs after the rest of the route answered, with its response to change in place.
    func end(_ state: consuming State, request: Request, context: RequestContext, response: inout Response)

    /// Runs after the rest of the route threw: returns a response for the error (as
    /// recovery does), or throws it on. The default throws it on.
    func end(_ state: consuming State, request: Request, context: RequestContext, error: any Error) throws -> Response
}

extension SynchronousMiddleware {
    public func end(_ state: consuming State, request: Request, context: RequestContext, error: any Error) throws -> Response {
        throw error
    }

    /// The same steps around an async `next`, for a caller that holds this as a `Middleware`.
    @inlinable
    public func handle(_ request: Request, context: RequestContext, next: Responder) async throws -> Response {
        var context = context
        return try await around(next, request, &context)
    }

    /// `begin`, the rest of the route, and `end`, in the request's task.
    @inlinable @inline(__always)
    func around(_ next: Responder, _ request: Request, _ context: inout RequestContext) async throws -> Response {
        let state = try begin(request, context: &context)
        var response: Response
        do {
            response = try await next.respond(to: request, context: &context)
        } catch {
            return try end(consume state, request: request, context: context, error: error)
        }
        end(consume state, request: request, context: context, response: &response)
        return response
    }

    @inlinable
    public func compose(around next: Responder) -> Responder {
        if let inner = next.synchronousBody {
            return Responder(synchronous: { request, context in
                let state = try self.begin(request, context: &context)
                var response: Response
                do {
                    response = try inner(request, &context)
                } catch {
                    return try self.end(consume state, request: request, context: context, error: error)
                }
                self.end(consume state, request: request, context: context, response: &response)
                return response
            })
        }
        return Responder { request, context in
            try await self.around(next, request, &context)
        }
    }
}
