import Logging
import Server
import ServerMetrics
import TaskRegistry

/// One structured log line per request: route template, method, status, duration,
/// response bytes and request id.
///
/// Routes in `skippedRoutes` (by default the benchmark routes `/plaintext` and `/json`)
/// are not logged, so a load test measures the server rather than its log.
public struct AccessLogMiddleware: SynchronousMiddleware {
    let logger: Logger
    let level: Logger.Level
    let skippedRoutes: Set<String>
    /// The same routes as a list: a handful of string compares (usually of one object
    /// with itself) cost less per request than hashing the route for the set.
    let skippedRouteList: [String]

    public static let benchmarkRoutes: Set<String> = ["/plaintext", "/json"]

    public init(logger: Logger, level: Logger.Level = .info, skippedRoutes: Set<String> = AccessLogMiddleware.benchmarkRoutes) {
        self.logger = logger
        self.level = level
        self.skippedRoutes = skippedRoutes
        self.skippedRouteList = skippedRoutes.count <= 8 ? Array(skippedRoutes) : []
    }

    @inline(__always)
    func isSkipped(_ route: String) -> Bool {
        skippedRouteList.isEmpty ? skippedRoutes.contains(route) : skippedRouteList.contains(route)
    }

    public func begin(_ request: Request, context: inout RequestContext) {}

    public func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {
        finish(request, context, requestID: context.requestID, status: response.status.code, bytes: response.body.count)
    }

    public func end(_ state: Void, request: Request, context: RequestContext, error: any Error) throws -> Response {
        finish(request, context, requestID: context.requestID, status: (error as? HTTPError)?.status.code ?? 500, bytes: 0)
        throw error
    }

    /// Logs the finished request unless its route is skipped; `nanoseconds` is its
    /// duration when the caller has it (the diagnostic link's, the histogram's), else
    /// it is read here.
    func finish(_ request: Request, _ context: RequestContext, requestID: String?, status: Int, bytes: Int,
                nanoseconds: Int64? = nil) {
        guard !isSkipped(context.route) else { return }
        log(request, context, requestID: requestID ?? "", status: status, bytes: bytes,
            nanoseconds: nanoseconds ?? MetricsMiddleware.elapsed(context))
    }

    private func log(_ request: Request, _ context: RequestContext, requestID: String, status: Int, bytes: Int,
                     nanoseconds: Int64) {
        let milliseconds = Double(nanoseconds) / 1e6
        logger.log(level: level, "request", metadata: [
            "route": .string(context.route),
            "method": .string(request.method.rawValue),
            "status": .stringConvertible(status),
            "duration_ms": .string(String(format3: milliseconds)),
            "bytes": .stringConvertible(bytes),
            "request_id": .string(requestID),
        ])
    }
}

extension String {
    /// A number with three decimals, without Foundation.
    init(format3 value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let whole = thousandths / 1000, fraction = thousandths % 1000
        let digits = String(fraction)
        self = "\(whole)." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}
