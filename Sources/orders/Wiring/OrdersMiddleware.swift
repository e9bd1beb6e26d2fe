import Logging
import Middleware

/// The public listener's middleware chain.
enum OrdersMiddleware {
    /// Request id, access log, metrics, task tracking and recovery, fused into one link
    /// (`DiagnosticMiddleware`; the same behaviour as chaining the five separately).
    static func chain(logger: Logger, metrics: HTTPMetrics, registry: TaskRegistry, accessLog: Bool) -> [any Middleware] {
        [DiagnosticMiddleware(metrics: metrics, registry: registry, logger: logger,
                              accessLog: accessLog ? AccessLogMiddleware(logger: logger) : nil)]
    }
}
