import Prometheus
import Server

/// Renders the admin listener's `/metrics` body in the Prometheus text format 0.0.4.
///
/// The body is, in order: every family in the registry, the families of the
/// ``HTTPMetrics`` given to `init`, the `process_*` families read from `/proc` at this moment,
/// the event loops' `eventloop_*` families, and the
/// families whose values the caller hands to ``render(tasks:spawned:connections:)``:
/// `tasks_active`, `tasks_spawned_total`, `tasks_orphaned`, `tasks_orphans_total` and
/// `http_connections_active`.
///
/// A family that the registry already holds is not rendered a second time, so that the
/// body never has two `# TYPE` lines for one name, which scrapers reject.
public struct MetricsExposition: Sendable {
    /// The `Content-Type` of the body.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    /// The `Content-Type` of the OpenMetrics body (`render(…, openMetrics: true)`).
    public static let openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// Whether an `Accept` field asks for OpenMetrics (as Prometheus does when it can store
    /// exemplars); anything else gets the 0.0.4 text.
    public static func acceptsOpenMetrics(_ accept: String?) -> Bool {
        accept?.lowercased().contains("application/openmetrics-text") == true
    }

    let registry: PrometheusCollectorRegistry
    let httpMetrics: [HTTPMetrics]
    let loops: @Sendable () -> [EventLoopHealth]

    /// - Parameters:
    ///   - registry: The registry whose families come first in the body.
    ///   - httpMetrics: The request metrics to render after them: their histogram and
    ///     in-flight gauge live outside the registry (a lock-free histogram the registry has
    ///     no type for), so they are passed here rather than found through it.
    ///   - loops: The public server's event loops (`HTTPServer.loopHealth`), read at each
    ///     scrape for the `eventloop_*` families.
    public init(registry: PrometheusCollectorRegistry, httpMetrics: [HTTPMetrics] = [],
                loops: @escaping @Sendable () -> [EventLoopHealth] = { [] }) {
        self.registry = registry
        self.httpMetrics = httpMetrics
        self.loops = loops
    }

    /// Renders the body.
    ///
    /// Entries with the same label values are added together; series are sorted by their
    /// label values so that consecutive scrapes read alike.
    ///
    /// - Parameters:
    ///   - tasks: Live tasks per name and state (`running`, `waiting`), for `tasks_active`.
    ///   - spawned: Tasks ever started per name, for `tasks_spawned_total`.
    ///   - orphaned: Live orphans per name (tasks whose request ended first), for `tasks_orphaned`.
    ///   - orphanedTotal: Tasks that ever became orphans per name, for `tasks_orphans_total`.
    ///   - connections: Open connections per protocol (`h1`, `h2`), for
    ///     `http_connections_active`.
    ///   - openMetrics: OpenMetrics 1.0 rather than 0.0.4: counters' families named
    ///     without `_total` (their samples keep it), exemplars on the request-duration
    ///     buckets, and `# EOF` at the end.
    public func render(
        tasks: [(name: String, state: String, count: Int)],
        spawned: [(name: String, count: UInt64)],
        orphaned: [(name: String, count: Int)] = [],
        orphanedTotal: [(name: String, count: UInt64)] = [],
        connections: [(proto: String, count: Int)],
        openMetrics: Bool = false
    ) -> [UInt8] {
        var text = PrometheusText()
        text.openMetrics = openMetrics
        registry.emit(into: &text.bytes)
        text.noteExistingFamilies()
        for metrics in httpMetrics {
            metrics.collect(into: &text)
        }

        Self.renderProcess(ProcessMetrics.snapshot(), into: &text)
        Self.renderLoops(loops(), into: &text)

        text.family(
            "tasks_active", type: .gauge,
            help: "Live tasks in the task registry, by name and state (running or waiting).",
            samples: tasks.map { ([("name", $0.name), ("state", $0.state)], Double($0.count)) }
        )
        text.family(
            "tasks_spawned_total", type: .counter,
            help: "Tasks started through the task registry since the process started, by name.",
            samples: spawned.map { ([("name", $0.name)], Double($0.count)) }
        )
        text.family(
            "tasks_orphaned", type: .gauge,
            help: "Live tasks whose request ended before them (a leak by definition), by name.",
            samples: orphaned.map { ([("name", $0.name)], Double($0.count)) }
        )
        // Not `tasks_orphaned_total`: OpenMetrics names a counter's family without `_total`,
        // and `tasks_orphaned` is the gauge's family already.
        text.family(
            "tasks_orphans_total", type: .counter,
            help: "Tasks that outlived the request that started them since the process started, by name.",
            samples: orphanedTotal.map { ([("name", $0.name)], Double($0.count)) }
        )
        text.family(
            "http_connections_active", type: .gauge,
            help: "Open client connections on the public listener, by protocol (h1 or h2).",
            samples: connections.map { ([("proto", $0.proto)], Double($0.count)) }
        )
        return openMetrics ? Self.openMetrics(text.bytes) : text.bytes
    }

    /// The 0.0.4 body as OpenMetrics 1.0: a counter's `# HELP` and `# TYPE` name its family
    /// without the `_total` its samples end in, and the body ends with `# EOF`.
    static func openMetrics(_ body: [UInt8]) -> [UInt8] {
        var counters = Set<Substring>()
        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
        for line in lines where line.hasPrefix("# TYPE ") && line.hasSuffix(" counter") {
            counters.insert(line.dropFirst("# TYPE ".count).prefix { $0 != " " })
        }
        var out = ""
        out.reserveCapacity(body.count + 64)
        for line in lines {
            var line = line
            for prefix in ["# HELP ", "# TYPE "] where line.hasPrefix(prefix) {
                let name = line.dropFirst(prefix.count).prefix { $0 != " " }
                if counters.contains(name), name.hasSuffix("_total") {
                    line = Substring(prefix + name.dropLast("_total".count) + line.dropFirst(prefix.count + name.count))
                }
            }
            out += line
            out += "\n"
        }
        out += "# EOF\n"
        return Array(out.utf8)
    }

    /// The `process_*` families, named and described as the Prometheus client libraries
    /// name them, so that standard dashboards work unchanged.
    static func renderProcess(_ process: ProcessMetrics.Snapshot, into text: inout PrometheusText) {
        text.family(
            "process_cpu_seconds_total", type: .counter, help: "Total user and system CPU time spent in seconds.",
            value: process.cpuSeconds
        )
        text.family(
            "process_resident_memory_bytes", type: .gauge, help: "Resident memory size in bytes.",
            value: Double(process.residentMemoryBytes)
        )
        text.family(
            "process_virtual_memory_bytes", type: .gauge, help: "Virtual memory size in bytes.",
            value: Double(process.virtualMemoryBytes)
        )
        text.family(
            "process_open_fds", type: .gauge, help: "Number of open file descriptors.",
            value: Double(process.openFDs)
        )
        text.family(
            "process_max_fds", type: .gauge, help: "Maximum number of open file descriptors.",
            value: Double(process.maxFDs)
        )
        text.family(
            "process_start_time_seconds", type: .gauge,
            help: "Start time of the process since unix epoch in seconds.",
            value: process.startTime
        )
        text.family(
            "process_threads", type: .gauge, help: "Number of OS threads in the process.",
            value: Double(process.threads)
        )
    }
}
