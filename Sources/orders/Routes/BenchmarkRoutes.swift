import OrderService
import Server

/// `/plaintext` and `/json`: the tiny responses the peers in ../shared/peers also serve.
/// They run through the same router and chain as every other route (request id, registry
/// entry, histogram, access log). Their handlers only return a constant, so they are
/// synchronous: answered on the loop without a Swift task. The `stall` fault blocks one
/// /plaintext request's loop for 200 ms once a second.
enum BenchmarkRoutes {
    static func register(on router: inout Router, faults: Faults) {
        router.get("/plaintext", SynchronousHandler { _, _ in
            faults.stallIfDue()
            return Response(contentType: .plainText, body: ResponseBody(literal: "Hello, World!"))
        })
        router.get("/json", SynchronousHandler { _, _ in
            Response(contentType: .json, body: ResponseBody(literal: #"{"message":"Hello, World!"}"#))
        })
    }
}
