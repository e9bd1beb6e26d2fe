import Server

/// `/plaintext` and `/json`: the tiny responses the peers in ../shared/peers also serve.
/// They run through the same router and chain as every other route.
enum BenchmarkRoutes {
    static func register(on router: inout Router) {
        router.get("/plaintext") { _, _ in
            Response(contentType: .plainText, body: ResponseBody(literal: "Hello, World!"))
        }
        router.get("/json") { _, _ in
            Response(contentType: .json, body: ResponseBody(literal: #"{"message":"Hello, World!"}"#))
        }
    }
}
