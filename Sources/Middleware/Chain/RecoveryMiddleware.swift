import Logging
import Server

/// Turns an error that escapes a handler into a response, the way Go's recover()
/// middleware turns a panic into a 500.
///
/// - An `HTTPError` (a bad parameter, a missing resource) becomes its own status and JSON
///   body; it is an expected outcome, not a panic, and is not counted.
/// - A `CancellationError` in a cancelled task means the client left (the connection closed
///   or the HTTP/2 stream was reset) and the server cancelled the work: it is recorded as
///   499, nobody receives it, and it is not counted as a panic.
/// - Any other error becomes 500 with a JSON body that carries the request id, is counted
///   in `http_recovered_panics_total{route,error}` by its type name, and is logged at error
///   level with the request id and route.
///
/// Swift traps (a force unwrap of nil, a failed precondition, an out-of-bounds index) are
/// not errors: they end the process and cannot be recovered in-process. The Swift runtime's
/// backtracer prints the crashing thread's stack on stderr (`SWIFT_BACKTRACE`), and the
/// supervisor restarts the service; that is why the incident's fault reads a missing entry
/// as a zero value rather than force-unwrapping it.
public struct RecoveryMiddleware: Middleware {
    let logger: Logger
    let onRecovered: @Sendable (_ route: String, _ errorType: String) -> Void

    public init(logger: Logger, onRecovered: @escaping @Sendable (_ route: String, _ errorType: String) -> Void) {
        self.logger = logger
        self.onRecovered = onRecovered
    }

    public func handle(_ request: Request, context: RequestContext, next: Next) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return recover(error, context)
        }
    }

    /// The response for an error that escaped; counts and logs it unless it is an HTTPError.
    /// Out of line, so that its locals do not grow the caller's async frame.
    @inline(never)
    func recover(_ error: any Error, _ context: RequestContext) -> Response {
        if let error = error as? HTTPError { return error.response }
        if error is CancellationError, Task.isCancelled {
            logger.debug("request cancelled: the client left", metadata: [
                "route": .string(context.route), "request_id": .string(context.requestID),
            ])
            return Response(status: .clientClosedRequest, contentType: .json, body: ResponseBody(JSONErrorBody.encode(
                code: "client_closed_request", message: "The client left before the answer was ready", extra: [])))
        }
        let errorType = String(describing: type(of: error))
        onRecovered(context.route, errorType)
        logger.error("recovered an error that escaped a handler", metadata: [
            "route": .string(context.route),
            "error": .string(errorType),
            "detail": .string(String(describing: error)),
            "request_id": .string(context.requestID),
        ])
        let body = JSONErrorBody.encode(
            code: "internal_error",
            message: "The server failed to handle the request; quote the request id when reporting it",
            extra: [("request_id", context.requestID)]
        )
        return Response(status: .internalServerError, contentType: .json, body: ResponseBody(body))
    }
}
