import Foundation
import ArgumentParser
import Logging
import OrderService
import Server
import StructuredLogging
import OTLP

// The option groups of `orders serve`, each with its own validation.
extension Logger.Level: @retroactive ExpressibleByArgument {}

struct ListenerOptions: ParsableArguments {
    @Option(help: "Address of the public listener (numeric IPv4 or IPv6).")
    var host = "0.0.0.0"

    @Option(help: "Port of the public listener; 0 picks a free one (logged at start).")
    var port = 8080

    @Option(help: "Address of the admin listener: metrics, debug endpoints and fault switches (loopback by default; anything else logs a warning).")
    var adminHost = "127.0.0.1"

    @Option(help: "Port of the admin listener (/metrics, /debug/tasks, /debug/vars, /debug/, /debug/faults, /debug/dependencies).")
    var adminPort = 6060

    @Option(help: "Event loops, one thread each. Default: the CPUs this process may use.")
    var threads: Int?

    func validate() throws {
        guard (0...65535).contains(port), (0...65535).contains(adminPort) else {
            throw ValidationError("ports must be between 0 and 65535")
        }
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be between 1 and 256")
        }
    }
}

struct TransportOptions: ParsableArguments {
    @Option(help: "PEM certificate chain: serve TLS (h2 or http/1.1 by ALPN) on the public port, or on --tls-port.")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(help: "Serve TLS on this port beside cleartext on --port (0 picks a free one); without it, --port is TLS only.")
    var tlsPort: Int?

    @Option(help: "Mozilla's server-side TLS profile: intermediate (TLS 1.2 and 1.3) or modern (TLS 1.3 only); both exchange keys over X25519, P-256 or P-384.")
    var tlsProfile: TLSProfile = .intermediate

    @Flag(inversion: .prefixedEnableDisable, help: "Accept HTTP/2 in cleartext: prior knowledge and Upgrade: h2c.")
    var h2c = true

    @Option(help: "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS, and the cap on handlers running per connection.")
    var h2MaxConcurrentStreams = 100

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if tlsPort != nil, tlsCert == nil { throw ValidationError("--tls-port needs --tls-cert and --tls-key") }
        if let tlsPort, !(0...65535).contains(tlsPort) { throw ValidationError("--tls-port must be between 0 and 65535") }
        guard (1...10_000).contains(h2MaxConcurrentStreams) else {
            throw ValidationError("--h2-max-concurrent-streams must be between 1 and 10000")
        }
    }

    var tlsConfiguration: TLSConfiguration? {
        guard let tlsCert, let tlsKey else { return nil }
        var configuration = TLSConfiguration(certificatePath: tlsCert, privateKeyPath: tlsKey, port: tlsPort)
        configuration.profile = tlsProfile
        return configuration
    }

    var http2Settings: ServerConfiguration.HTTP2 {
        var settings = ServerConfiguration.HTTP2()
        settings.cleartext = h2c
        settings.maxConcurrentStreams = h2MaxConcurrentStreams
        return settings
    }
}

struct LimitOptions: ParsableArguments {
    @Option(help: "Longest request line in bytes (414 beyond).")
    var maxRequestLine = 8 * 1024

    @Option(help: "Largest header block in bytes (431 beyond).")
    var maxHeaderBytes = 16 * 1024

    @Option(help: "Most header fields in a request (431 beyond).")
    var maxHeaders = 100

    @Option(help: "Largest request body in bytes (413 beyond).")
    var maxBody = 1024 * 1024

    @Option(help: "Open connections per event loop; 0 for no limit.")
    var maxConnections = 0

    var serverLimits: ServerConfiguration.Limits {
        var limits = ServerConfiguration.Limits()
        limits.maxRequestLine = maxRequestLine
        limits.maxHeaderBlock = maxHeaderBytes
        limits.maxHeaderCount = maxHeaders
        limits.maxBody = maxBody
        return limits
    }

    func validate() throws {
        guard maxRequestLine >= 64, maxHeaderBytes >= 64, (1...10_000).contains(maxHeaders),
              (0...(1 << 30)).contains(maxBody), maxConnections >= 0 else {
            throw ValidationError("limits out of range")
        }
    }
}

struct TimeoutOptions: ParsableArguments {
    @Option(help: "Milliseconds for a request head to arrive, from its first byte (408 after).")
    var headerTimeout = 10_000

    @Option(help: "Longest gap between body reads, in ms (408 after).")
    var bodyTimeout = 30_000

    @Option(help: "Idle keep-alive connection lifetime, in ms.")
    var idleTimeout = 60_000

    @Option(help: "Longest gap without write progress to a client, in ms.")
    var writeTimeout = 30_000

    @Option(help: "Longest TLS handshake, from accept, in ms.")
    var handshakeTimeout = 10_000

    @Option(help: "On SIGTERM, how long to let requests in flight finish, in ms.")
    var drainTimeout = 10_000

    var serverTimeouts: ServerConfiguration.Timeouts {
        var timeouts = ServerConfiguration.Timeouts()
        timeouts.header = .milliseconds(headerTimeout)
        timeouts.body = .milliseconds(bodyTimeout)
        timeouts.idle = .milliseconds(idleTimeout)
        timeouts.write = .milliseconds(writeTimeout)
        return timeouts
    }

    func validate() throws {
        guard [headerTimeout, bodyTimeout, idleTimeout, writeTimeout].allSatisfy({ $0 > 0 }), drainTimeout >= 0 else {
            throw ValidationError("timeouts must be positive")
        }
    }
}

struct DataOptions: ParsableArguments {
    @Option(help: "Orders to seed.")
    var orders = 10_000

    @Option(help: "Users to seed.")
    var users = 1_000

    @Option(help: "SKUs to seed.")
    var skus = 500

    @Option(help: "Seed for the deterministic data.")
    var seed: UInt64 = 42

    @Option(help: "Latency of the inventory source behind the cache, in ms.")
    var inventoryLatency = 0

    @Option(help: "Failure rate of the inventory source, 0 to 1.")
    var inventoryFailureRate = 0.0

    @Option(help: "How long the inventory cache keeps an entry, in ms.")
    var inventoryCacheTTL = 5_000

    @Option(help: "Latency of the stock validator, in ms (a timer on the loop).")
    var stockLatency = 0

    @Option(help: "Failure rate of the stock validator, 0 to 1.")
    var stockFailureRate = 0.0

    var orderServiceConfiguration: OrderServiceConfiguration {
        var configuration = OrderServiceConfiguration()
        configuration.orderCount = orders
        configuration.userCount = users
        configuration.skuCount = skus
        configuration.seed = seed
        configuration.inventorySourceLatency = .milliseconds(inventoryLatency)
        configuration.inventoryFailureRate = inventoryFailureRate
        configuration.inventoryCacheTTL = .milliseconds(inventoryCacheTTL)
        configuration.stockValidatorLatency = .milliseconds(stockLatency)
        configuration.stockValidatorFailureRate = stockFailureRate
        return configuration
    }

    func validate() throws {
        guard orders >= 0, users >= 1, skus >= 1 else {
            throw ValidationError("data options out of range")
        }
        // The same ranges as POST /debug/dependencies, so that a reset restores valid values.
        try DependencySettings(orderServiceConfiguration).validateAsOptions()
    }
}

struct DiagnosticsOptions: ParsableArguments {
    @Option(name: .customLong("fault"),
            help: "Turn a fault mode on at start (repeatable): missing-ok-check, slow-inventory, stall.")
    var faults: [String] = []

    @Option(help: "How long a task must have waited, in ms, to be listed by /debug/tasks?view=leaks (a request's threshold= overrides it).")
    var leakThreshold = 30_000

    @Option(help: "Extra latency per inventory-cache read while slow-inventory is on, in ms.")
    var slowInventoryLatency = 50

    @Option(help: "An event-loop iteration this long, in ms, is a stall: logged once, counted in eventloop_stalls_total, listed at /debug/loops (10 to 60000).")
    var stallThreshold = 100

    @Flag(inversion: .prefixedEnableDisable,
          help: "Run the diagnostic middleware chain (disable only to measure its cost).")
    var middleware = true

    @Flag(inversion: .prefixedEnableDisable, help: "Log one line per request (never for /plaintext and /json).")
    var accessLog = true

    @Flag(help: "Capture a backtrace when each task is registered (costly; symbolicated only when read).")
    var captureBacktraces = false

    func faultModes() throws -> [Faults.Mode] {
        try faults.map { name in
            guard let mode = Faults.Mode(name: name) else {
                throw ValidationError("unknown fault '\(name)'; known: \(Faults.Mode.all.map(\.name).joined(separator: ", "))")
            }
            return mode
        }
    }

    func validate() throws {
        _ = try faultModes()
        try DependencySettings(slowInventoryLatency: .milliseconds(slowInventoryLatency)).validateAsOptions()
        guard leakThreshold > 0 else { throw ValidationError("--leak-threshold must be positive") }
        // Below 10 ms the watchdog, which looks every quarter of it, would wake too often.
        guard (10...60_000).contains(stallThreshold) else {
            throw ValidationError("--stall-threshold must be between 10 and 60000 (milliseconds), not \(stallThreshold)")
        }
    }
}

extension LogFormat: ExpressibleByArgument {
    /// `--log-format text` or `--log-format json`.
    public init?(argument: String) { self.init(name: argument) }

    /// The names `--help` lists.
    public static var allValueStrings: [String] { names }
}

struct TraceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An OTLP/HTTP collector's base URL (http://host:4318); spans go to its /v1/traces. Turns traces on. Default: $OTEL_EXPORTER_OTLP_ENDPOINT.",
                               valueName: "url"))
    var otlpEndpoint: String?

    @Option(help: "The share of new traces kept, 0 to 1; a request's sampled traceparent decides for its own trace.")
    var traceSampling = 1.0

    @Option(help: ArgumentHelp("Connect, send and receive timeout per export attempt, in ms (for tests).", visibility: .hidden))
    var otlpTimeout = 2000

    /// `service.name` on every span: `$OTEL_SERVICE_NAME`, or "orders".
    var serviceName: String { Self.environmentValue("OTEL_SERVICE_NAME") ?? "orders" }

    /// The collector: the flag, else the standard variable, else none (traces off).
    func endpoint() throws -> OTLPEndpoint? {
        guard let url = otlpEndpoint ?? Self.environmentValue("OTEL_EXPORTER_OTLP_ENDPOINT") else { return nil }
        var error = ""
        guard let endpoint = OTLPEndpoint(url: url, error: &error) else { throw ValidationError(error) }
        return endpoint
    }

    func validate() throws {
        guard (0...1).contains(traceSampling) else { throw ValidationError("--trace-sampling must be between 0 and 1") }
        guard otlpTimeout > 0 else { throw ValidationError("--otlp-timeout must be positive") }
        _ = try endpoint()
    }

    /// An environment variable's value; an empty one counts as unset, as the OpenTelemetry
    /// SDKs read theirs.
    static func environmentValue(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

extension DependencySettings {
    /// `validate()`, with the error naming the command-line flag (`stock_latency_ms` is
    /// `--stock-latency`).
    func validateAsOptions() throws {
        do {
            try self.validate()
        } catch {
            var flag = error.field.name
            if flag.hasSuffix("_ms") { flag.removeLast(3) }
            throw ValidationError("--\(flag.replacingOccurrences(of: "_", with: "-")) expects \(error.field.expected)")
        }
    }
}

extension TLSProfile: ExpressibleByArgument {}
