import Logging
import Admin
import Middleware
import OrderService
import Server

/// The admin listener: metrics, debug endpoints, fault switches and dependency settings, on
/// a loopback address by default and never on the public port.
enum AdminListener {
    /// The admin routes, behind a request id and recovery (no access log or histogram:
    /// scrapes and dumps are not the service's traffic). Every answer says
    /// `Cache-Control: no-store`: each is a snapshot of the process at one moment.
    static func router(logger: Logger, diagnostics: Diagnostics, faults: Faults, dependencies: DependencyControl) -> Router {
        var router = Router()
        router.add(middleware: NoStoreMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RecoveryMiddleware(logger: logger) { _, _ in })
        DiagnosticsRoutes.register(on: &router, diagnostics: diagnostics)
        FaultRoutes.register(on: &router, faults: faults)
        DependencyRoutes.register(on: &router, dependencies: dependencies, logger: logger)
        router.get("/healthz", SynchronousHandler { _, _ in
            Response(contentType: .json, body: ResponseBody(literal: #"{"status":"ok"}"#))
        })
        return router
    }

    static func make(host: String, port: Int, logger: Logger, diagnostics: Diagnostics, faults: Faults,
                     dependencies: DependencyControl) -> HTTPServer {
        let router = router(logger: logger, diagnostics: diagnostics, faults: faults, dependencies: dependencies)
        if !isLoopback(host) {
            logger.warning("the admin listener is not on a loopback address: metrics, task dumps, fault switches and dependency settings are reachable from the network",
                           metadata: ["admin_host": "\(host)"])
        }
        var configuration = ServerConfiguration()
        configuration.name = "admin"
        configuration.host = host
        configuration.port = port
        configuration.threads = 1
        // Renders of large task dumps must not take CPU from the serving loops.
        configuration.threadPriority = .background
        return HTTPServer(configuration: configuration, routes: router.build(), logger: logger)
    }

    static func isLoopback(_ host: String) -> Bool {
        host.hasPrefix("127.") || host == "::1" || host == "localhost"
    }
}
