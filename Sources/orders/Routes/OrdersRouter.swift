import Middleware
import OrderService
import Server

/// The public listener's router.
enum OrdersRouter {
    /// Every public route, behind `diagnostics` when there is one (`--disable-middleware`
    /// passes none, to measure the engine alone), and behind `tracing` outside that when
    /// traces are on, so that the access-log line is written inside the request's span. The
    /// server and the tests build the same.
    static func make(service: OrderService, drainState: DrainState, diagnostics: DiagnosticMiddleware?,
                     tracing: TracingMiddleware? = nil) -> Router {
        var router = Router()
        if let tracing, let diagnostics {
            // One link: an async route then pays one async frame for both, not two.
            router.add(middleware: TracedDiagnosticsMiddleware(tracing: tracing, diagnostics: diagnostics))
        } else {
            if let tracing { router.add(middleware: tracing) }
            if let diagnostics { router.add(middleware: diagnostics) }
        }
        BenchmarkRoutes.register(on: &router, faults: service.faults)
        PayloadRoutes.register(on: &router)
        HealthRoutes.register(on: &router, drainState: drainState)
        OrderRoutes.register(on: &router, service: service)
        return router
    }
}
