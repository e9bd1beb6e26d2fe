import Foundation
import Prometheus
import Server
import ServerMetrics
import ServerTesting
import TaskRegistry
import Testing
@testable import Admin

/// `/debug/routes` lists the public router's templates with their methods.
struct DebugRoutesTests {
    static func publicRoutes() -> Routes {
        var router = Router()
        router.get("/plaintext", SynchronousHandler { _, _ in Response(body: ResponseBody(literal: "ok")) })
        router.group("/api/v1") { api in
            api.get("/order/{id}") { _, _ in Response(body: ResponseBody(literal: "{}")) }
            api.post("/order/map") { _, _ in Response(body: ResponseBody(literal: "{}")) }
            api.get("/order/map") { _, _ in Response(body: ResponseBody(literal: "{}")) }
        }
        return router.build()
    }

    @Test func listingHasEveryTemplateWithItsMethodsSorted() {
        #expect(Self.publicRoutes().listing == [
            Routes.Listing(template: "/api/v1/order/map", methods: ["GET", "HEAD", "POST"]),
            Routes.Listing(template: "/api/v1/order/{id}", methods: ["GET", "HEAD"]),
            Routes.Listing(template: "/plaintext", methods: ["GET", "HEAD"]),
        ])
    }

    @Test func adminRouteAnswersTheListingAsJSON() async throws {
        let prometheus = PrometheusCollectorRegistry()
        var router = Router()
        DiagnosticsRoutes.register(on: &router, diagnostics: Diagnostics(
            registry: TaskRegistry(shardCount: 1) { 0 }, prometheus: prometheus,
            httpMetrics: [HTTPMetrics(registry: prometheus)], connections: { [] }, loops: { [] },
            version: "test", routes: Self.publicRoutes().listing
        ))
        let response = await TestClient(router).execute(.get, "/debug/routes")
        #expect(response.status == .ok)
        #expect(response.headers.first("Content-Type")?.hasPrefix("application/json") == true)
        struct Body: Decodable {
            struct Route: Decodable, Equatable { var route: String; var methods: [String] }
            var routes: [Route]
            var unmatched_label: String
        }
        let body = try JSONDecoder().decode(Body.self, from: Data(response.text.utf8))
        #expect(body.routes.map(\.route) == ["/api/v1/order/map", "/api/v1/order/{id}", "/plaintext"])
        #expect(body.routes.first?.methods == ["GET", "HEAD", "POST"])
        #expect(body.unmatched_label == "unmatched")
    }
}
