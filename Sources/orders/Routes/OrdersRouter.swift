import OrderService
import Server

/// The service's public routes.
enum OrdersRouter {
    static func register(on router: inout Router, service: OrderService, drainState: DrainState) {
        BenchmarkRoutes.register(on: &router, faults: service.faults)
        PayloadRoutes.register(on: &router)
        HealthRoutes.register(on: &router, drainState: drainState)
        OrderRoutes.register(on: &router, service: service)
    }
}
