import Logging
import Middleware
import ServerMetrics
import TaskRegistry

/// The public listener's middleware.
enum OrdersMiddleware {
    /// Request id, access log, metrics, task tracking and recovery, in one link
    /// (`DiagnosticMiddleware`: the same behaviour as the five separately, in one step).
    static func diagnostics(logger: Logger, metrics: HTTPMetrics, registry: TaskRegistry, accessLog: Bool) -> DiagnosticMiddleware {
        DiagnosticMiddleware(metrics: metrics, registry: registry, logger: logger,
                             accessLog: accessLog ? AccessLogMiddleware(logger: logger) : nil)
    }
}
