import Server

/// Liveness and readiness probes. Both only read a flag, so they are synchronous: answered
/// on the loop without a Swift task. Both say `Cache-Control: no-store`: a probe answered
/// from a cache would report a state that may have changed.
enum HealthRoutes {
    static let noStore: HTTPHeaders = ["Cache-Control": "no-store"]

    static func register(on router: inout Router, drainState: DrainState) {
        router.get("/healthz", SynchronousHandler { _, _ in
            Response(contentType: .json, headers: noStore, body: ResponseBody(literal: #"{"status":"ok"}"#))
        })
        // Readiness turns false as soon as a graceful shutdown begins, so a load balancer
        // stops sending new work while requests in flight finish.
        router.get("/readyz", SynchronousHandler { _, _ in
            if drainState.isDraining {
                return Response(status: .serviceUnavailable, contentType: .json, headers: noStore,
                                body: ResponseBody(literal: #"{"status":"draining"}"#))
            }
            return Response(contentType: .json, headers: noStore, body: ResponseBody(literal: #"{"status":"ready"}"#))
        })
    }
}
