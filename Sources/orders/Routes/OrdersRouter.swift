import OrderService
import Server

/// Builds the service's routes.
enum OrdersRouter {
    static func make(service: OrderService, drainState: DrainState) -> Router {
        var router = Router()
        BenchmarkRoutes.register(on: &router, faults: service.faults)
        PayloadRoutes.register(on: &router)
        HealthRoutes.register(on: &router, drainState: drainState)
        OrderRoutes.register(on: &router, service: service)
        return router
    }
}
