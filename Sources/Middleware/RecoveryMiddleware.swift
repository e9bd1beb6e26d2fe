import Logging
import RequestTracing
import Server
import Tracing
import ServerMetrics
import TaskRegistry

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
public struct RecoveryMiddleware: SynchronousMiddleware {
    let logger: Logger
    let onRecovered: @Sendable (_ route: String, _ errorType: String) -> Void

    public init(logger: Logger, onRecovered: @escaping @Sendable (_ route: String, _ errorType: String) -> Void) {
        self.logger = logger
        self.onRecovered = onRecovered
    }

    public func begin(_ request: Request, context: inout RequestContext) {}

    public func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {}

    public func end(_ state: Void, request: Request, context: RequestContext, error: any Error) -> Response {
        recover(error, context, requestID: context.requestID)
    }

    /// The response for an error that escaped; counts and logs it unless it is an HTTPError.
    /// Out of line, so that its locals do not grow the caller's async frame.
    @inline(never)
    func recover(_ error: any Error, _ context: RequestContext, requestID: String?) -> Response {
        if let error = error as? HTTPError { return error.response }
        if error is CancellationError, Task.isCancelled {
            logger.debug("request cancelled: the client left", metadata: [
                "route": .string(context.route), "request_id": .string(requestID ?? ""),
            ])
            return HTTPError.clientClosedRequest.response
        }
        let errorType = String(describing: type(of: error))
        onRecovered(context.route, errorType)
        // The request's server span, when tracing is on, names the error (error.type).
        if let span = InstrumentationContext.current?.recordingSpan, span.isRecording {
            span.recordError(error)
            span.setErrorType(String(reflecting: type(of: error)))
        }
        logger.error("recovered an error that escaped a handler", metadata: [
            "route": .string(context.route),
            "error": .string(errorType),
            "detail": .string(String(describing: error)),
            "request_id": .string(requestID ?? ""),
        ])
        return HTTPError.internalError(requestID: requestID ?? "").response
    }
}
