import Foundation
import ArgumentParser
import Logging
import Admin
import Middleware
import OrderService
import Prometheus
import Server
import ServerMetrics
import ServiceLifecycle
import StructuredLogging
import OTLP
import RequestTracing
import Tracing
import TaskRegistry
import UnixSignals

/// `orders serve`: runs the service until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the order service.",
        discussion: EnvironmentOptions.helpText
    )

    @OptionGroup(title: "Listeners") var listeners: ListenerOptions
    @OptionGroup(title: "TLS and HTTP/2") var transport: TransportOptions
    @OptionGroup(title: "Limits") var limits: LimitOptions
    @OptionGroup(title: "Timeouts") var timeouts: TimeoutOptions
    @OptionGroup(title: "Data and dependencies") var data: DataOptions
    @OptionGroup(title: "Diagnostics") var diagnostics: DiagnosticsOptions
    @OptionGroup(title: "Traces") var traces: TraceOptions

    @Option(help: ArgumentHelp("Where handlers start: inline (on the loop) or global (a thread hop; for measurement).", visibility: .hidden))
    var handlerDispatch = "inline"

    @Flag(help: ArgumentHelp("Shut down gracefully when standard input reaches end of file (for a supervising test harness: the server cannot outlive it).", visibility: .hidden))
    var exitWhenStdinCloses = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (POST /debug/loggers changes it while running).")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (swift-log's lines) or json (one object per line, written off the event loops).")
    var logFormat: LogFormat = .text

    func run() async throws {
        if exitWhenStdinCloses { StdinWatch.terminateOnEndOfFile() }
        // One level for every logger, which /debug/loggers changes at run time.
        let levelControl = LogLevelControl(logLevel)
        let prometheus = PrometheusCollectorRegistry()
        let droppedLines = prometheus.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "log", metricName: "lines_dropped", unitName: "total",
            helpText: "JSON log lines dropped because standard error did not keep up (the writer's buffer was full)."
        ))
        let logWriter: LogLineWriter? = logFormat == .json ? LogLineWriter(onDrop: { droppedLines.increment() }) : nil
        // Traces, when a collector is named: spans through swift-distributed-tracing's
        // InstrumentationSystem, sent by the OTLP exporter's own thread.
        let endpoint = try traces.endpoint()
        let exportedSpans = prometheus.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "otel", metricName: "spans_exported", unitName: "total",
            helpText: "Spans the OTLP exporter delivered to the collector."))
        let droppedSpans = prometheus.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "otel", metricName: "spans_dropped", unitName: "total",
            helpText: "Spans dropped: the export queue was full, or the collector failed or refused them after retries."))
        let exporter = endpoint.map { endpoint in
            var configuration = OTLPSpanExporter.Configuration(endpoint: endpoint, serviceName: traces.serviceName,
                                                               serviceVersion: OrdersCommand.version)
            configuration.timeout = .milliseconds(traces.otlpTimeout)
            return OTLPSpanExporter(
                configuration: configuration,
                onDrop: { droppedSpans.increment(by: Int64($0)) }, onExported: { exportedSpans.increment(by: Int64($0)) }
            )
        }
        let tracer = exporter.map { RequestTracer(sampler: TraceSampler(ratio: traces.traceSampling), sink: $0) }
        tracer?.bootstrap()
        // Lines name their trace only when there are traces (a task-local read per line).
        let metadataProvider: Logger.MetadataProvider = tracer == nil
            ? RequestIDMiddleware.metadataProvider
            : Logger.MetadataProvider.multiplex([RequestIDMiddleware.metadataProvider, TraceLogMetadata.provider])
                ?? RequestIDMiddleware.metadataProvider
        LoggingSystem.bootstrap({ label, metadataProvider -> any LogHandler in
            if let logWriter {
                return JSONLogHandler(label: label, control: levelControl, writer: logWriter, metadataProvider: metadataProvider)
            }
            return LevelControlledLogHandler(StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider),
                                             control: levelControl)
        }, metadataProvider: metadataProvider)
        // Lines still queued are written before the process exits (drain, or an error).
        defer { logWriter?.flush() }
        let logger = Logger(label: "orders")
        if let endpoint { logger.info("exporting traces", metadata: ["endpoint": "\(endpoint)", "sampling": "\(traces.traceSampling)"]) }
        let threads = listeners.threads ?? ServerConfiguration.availableCPUs

        // Diagnostics first: the registry shards by event loop, so registering a request
        // never takes another loop's lock.
        let registry = TaskRegistry(shardCount: threads, captureBacktraces: diagnostics.captureBacktraces) {
            EventLoop.current?.index
        }
        let metrics = HTTPMetrics(registry: prometheus, shardCount: threads)

        let faults = Faults(enabled: try diagnostics.faultModes())
        var serviceConfiguration = data.orderServiceConfiguration
        serviceConfiguration.slowInventoryLatency = .milliseconds(diagnostics.slowInventoryLatency)
        let service = OrderService(configuration: serviceConfiguration, sleeper: LoopSleeper(), faults: faults,
                                   childTasks: RegistryChildTasks(registry: registry))
        let drainState = DrainState()
        let router = OrdersRouter.make(
            service: service, drainState: drainState,
            diagnostics: diagnostics.middleware
                ? OrdersMiddleware.diagnostics(logger: logger, metrics: metrics, registry: registry, accessLog: diagnostics.accessLog)
                : nil,
            tracing: tracer.map { TracingMiddleware(tracer: $0, serverPort: listeners.port) }
        )

        var configuration = ServerConfiguration()
        configuration.host = listeners.host
        configuration.port = listeners.port
        configuration.threads = threads
        configuration.limits = limits.serverLimits
        configuration.timeouts = timeouts.serverTimeouts
        configuration.maxConnectionsPerLoop = limits.maxConnections
        configuration.drainDeadline = .milliseconds(timeouts.drainTimeout)
        configuration.handlerDispatch = handlerDispatch == "global" ? .globalExecutor : .inline
        configuration.tls = transport.tlsConfiguration
        configuration.http2 = transport.http2Settings
        configuration.timeouts.handshake = .milliseconds(timeouts.handshakeTimeout)
        // Every connection is an entry in the task registry, as in Go's goroutine profile.
        configuration.connectionObserver = RegistryConnectionObserver(registry: registry, loopCount: threads)
        // A loop stuck in one iteration is logged, counted and listed with the request it
        // runs, which the registry names from what the middleware published to the loop.
        configuration.stallThreshold = .milliseconds(diagnostics.stallThreshold)
        configuration.stalledRequest = { activity in
            let found = registry.runningRequest(taskAddress: activity.taskAddress, loop: activity.loop)
                ?? (activity.requestTag == 0 ? nil : registry.runningRequest(tag: activity.requestTag, loop: activity.loop))
            return found.map { StalledRequest(route: $0.route, requestID: $0.requestID) }
        }
        let routes = router.build()
        let server = HTTPServer(configuration: configuration, routes: routes, logger: logger, drainState: drainState)

        let admin = AdminListener.make(
            host: listeners.adminHost, port: listeners.adminPort, logger: logger,
            diagnostics: Diagnostics(
                registry: registry, prometheus: prometheus, httpMetrics: [metrics],
                connections: { server.connectionsByVersion.map { (proto: $0.version.label, count: $0.count) } },
                loops: { server.connectionsPerLoop }, version: OrdersCommand.version,
                leakThreshold: .milliseconds(diagnostics.leakThreshold),
                logLevel: levelControl,
                loopHealth: { server.loopHealth },
                routes: routes.listing
            ),
            faults: faults,
            dependencies: service.dependencies
        )
        let group = ServiceGroup(configuration: .init(
            services: [server, admin],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        // swift-service-lifecycle stops listening after the first SIGTERM or SIGINT, so a
        // second one would wait out the drain. Here a second signal cancels the group: the
        // loops close every connection now (as when the drain deadline passes) and the
        // process exits at once with 128 + the signal's number.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let groupTask = Task { try await group.run() }
        let secondSignal = Task { () -> UnixSignal? in
            var seen = 0
            for await signal in signals {
                seen += 1
                if seen == 2 {
                    logger.warning("second signal: closing every connection now", metadata: ["signal": "\(signal)"])
                    groupTask.cancel()
                    return signal
                }
            }
            return nil
        }
        let result = await groupTask.result
        secondSignal.cancel()
        // The spans of the last requests go out before the process does, within a bounded wait.
        exporter?.shutdown(milliseconds: min(2000, timeouts.drainTimeout))
        if let signal = await secondSignal.value { throw ExitCode(128 + signal.rawValue) }
        try result.get()
    }
}
