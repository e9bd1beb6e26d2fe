import Logging
import Middleware

/// The public listener's middleware chain, outermost first.
enum OrdersMiddleware {
    static func chain(logger: Logger, metrics: HTTPMetrics, registry: TaskRegistry, accessLog: Bool) -> [any Middleware] {
        var chain: [any Middleware] = [RequestIDMiddleware()]
        if accessLog { chain.append(AccessLogMiddleware(logger: logger)) }
        chain += [
            // Outside recovery, so the histogram sees the status recovery chose.
            MetricsMiddleware(metrics: metrics),
            TaskTrackingMiddleware(registry: registry),
            RecoveryMiddleware(logger: logger) { route, errorType in
                metrics.recoveredPanic(route: route, errorType: errorType)
            },
        ]
        return chain
    }
}
