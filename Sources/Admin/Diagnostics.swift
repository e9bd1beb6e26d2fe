import Logging
import Prometheus
import StructuredLogging
import Server
import ServerMetrics
import TaskRegistry

/// Everything the admin listener reports on: the task registry, the metrics, and live
/// figures from the servers.
public struct Diagnostics: Sendable {
    public let registry: TaskRegistry
    public let prometheus: PrometheusCollectorRegistry
    /// The request metrics `/metrics` renders beside the registry's families.
    public let httpMetrics: [HTTPMetrics]
    /// Open connections by protocol (`h1`, `h2`).
    public let connections: @Sendable () -> [(proto: String, count: Int)]
    /// Open connections per event loop of the public server.
    public let loops: @Sendable () -> [Int]
    public let version: String
    public let startedAt: ContinuousClock.Instant
    /// How long a task must have waited to be listed by `/debug/tasks?view=leaks` when the
    /// request names no `threshold`.
    public let leakThreshold: Duration
    /// The process's log level, which `/debug/loggers` reads and changes.
    public let logLevel: LogLevelControl
    /// The public server's event loops (`HTTPServer.loopHealth`): `/debug/loops` and the
    /// `eventloop_*` metrics.
    public let loopHealth: @Sendable () -> LoopHealthReport
    /// The public server's route templates and methods (`/debug/routes`).
    public let routes: [Routes.Listing]

    public init(
        registry: TaskRegistry, prometheus: PrometheusCollectorRegistry, httpMetrics: [HTTPMetrics],
        connections: @escaping @Sendable () -> [(proto: String, count: Int)],
        loops: @escaping @Sendable () -> [Int], version: String, leakThreshold: Duration = .seconds(30),
        logLevel: LogLevelControl = LogLevelControl(.info),
        loopHealth: @escaping @Sendable () -> LoopHealthReport = { LoopHealthReport(stallThreshold: nil, loops: []) },
        routes: [Routes.Listing] = []
    ) {
        self.routes = routes
        self.logLevel = logLevel
        self.loopHealth = loopHealth
        self.leakThreshold = leakThreshold
        self.registry = registry
        self.prometheus = prometheus
        self.httpMetrics = httpMetrics
        self.connections = connections
        self.loops = loops
        self.version = version
        self.startedAt = .now
    }
}
