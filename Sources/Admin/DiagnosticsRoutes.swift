import Prometheus
import Server
import ServerMetrics
import TaskRegistry

/// The admin listener's diagnostic endpoints. None of them exist on the public listener.
///
/// - `GET /metrics`: Prometheus text format 0.0.4, or OpenMetrics 1.0 with exemplars when the
///   `Accept` field asks for `application/openmetrics-text`.
/// - `GET /debug/tasks`: the task registry, like Go's goroutine profile (`debug=0`: pprof).
/// - `GET /debug/vars`: JSON figures, like `gops stats`.
/// - `GET /debug/loops`: the event loops' health and stalls, as JSON.
/// - `GET /debug/routes`: the public server's route templates and methods, as JSON.
/// - `GET` and `POST /debug/loggers`: the log level, read and changed at run time.
/// - `GET /debug/`: an HTML index of all of them, with current counts.
public enum DiagnosticsRoutes {
    public static func register(on router: inout Router, diagnostics: Diagnostics) {
        let exposition = MetricsExposition(registry: diagnostics.prometheus, httpMetrics: diagnostics.httpMetrics,
                                           loops: { diagnostics.loopHealth().loops })
        router.get("/metrics") { request, _ in
            // OpenMetrics for a scraper that asks for it (Prometheus with exemplar storage);
            // the 0.0.4 text for every other.
            let openMetrics = MetricsExposition.acceptsOpenMetrics(request.headers.first("Accept"))
            let body = exposition.render(
                tasks: diagnostics.registry.gauges().map { (name: $0.name, state: $0.state, count: $0.count) },
                spawned: diagnostics.registry.spawnedTotals(),
                orphaned: diagnostics.registry.orphanGauges(),
                orphanedTotal: diagnostics.registry.orphanedTotals(),
                connections: diagnostics.connections(),
                openMetrics: openMetrics
            )
            return Response(contentType: openMetrics ? ContentType(MetricsExposition.openMetricsContentType) : .prometheus,
                            body: ResponseBody(body))
        }
        router.get("/debug/tasks") { request, _ in
            let query: TaskProfileQuery
            do {
                query = try TaskProfileQuery(queryItems: request.queryItems, defaultLeakThreshold: diagnostics.leakThreshold)
            } catch let error as TaskProfileQuery.InvalidParameter {
                throw HTTPError(.badRequest, code: .invalidParameter, message: error.message,
                                details: [("parameter", error.parameter), ("source", "query")])
            }
            let rendered = try await TaskProfile.render(query, registry: diagnostics.registry) { duration in
                try await EventLoop.sleep(for: duration)
            }
            var response = Response(contentType: ContentType(rendered.contentType), body: ResponseBody(rendered.body))
            if query.debug == 0 {
                // A download, as Go's net/http/pprof serves a binary profile.
                response.headers.add(name: "Content-Disposition", value: TaskProfile.pprofContentDisposition)
                response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
            }
            return response
        }
        registerLoggers(on: &router, control: diagnostics.logLevel)
        router.get("/debug/vars") { _, _ in
            Response(contentType: .json, body: ResponseBody(string: DebugVars.json(diagnostics)))
        }
        router.get("/debug/loops") { _, _ in
            Response(contentType: .json, body: ResponseBody(DebugLoops.json(diagnostics.loopHealth())))
        }
        router.get("/debug/routes", SynchronousHandler { _, _ in
            Response(contentType: .json, body: ResponseBody(string: DebugRoutes.json(diagnostics.routes)))
        })
        let index: Handler = { _, _ in
            Response(contentType: .html, body: ResponseBody(string: DebugIndexPage.html(diagnostics)))
        }
        router.get("/debug", handler: index)
        router.get("/debug/", handler: index)
    }
}
