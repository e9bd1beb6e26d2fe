import ArgumentParser
import Dispatch
import Foundation
import LoadTest
import Synchronization

/// `loadtest`: an HTTP/1.1 load generator with a task-leak watcher.
struct LoadTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "HTTP/1.1 and HTTP/2 load generator (closed or open loop) with an optional task-leak watcher.",
        discussion: """
            Exit status: 0 when the run passed, 1 when a threshold was crossed, 2 when \
            --fail-on-leak is given and the watcher found a leak (3: both), 4 when a server-side \
            limit (--abort-on-leak, --max-server-p99, --max-server-5xx-rate) stopped the run early \
            (the bits combine: 5, 6, 7), 64 on usage errors (nothing is sent).
            """
    )

    @Argument(help: "Target URL: http[s]://HOST:PORT/PATH with a numeric or localhost HOST. With --scenario, only HOST:PORT is used.")
    var url: String

    @Option(name: .shortAndLong, help: "Connections in all.")
    var connections = 16

    @Option(help: "Client threads (one event loop each); connections are shared out among them.")
    var threads = 1

    @Option(help: "Requests in flight per connection (HTTP/1.1 pipelining); 1 is plain keep-alive.")
    var pipeline = 1

    @Flag(help: "http://: speak HTTP/2 by prior knowledge (h2c).")
    var h2c = false

    @Flag(help: "https://: offer only http/1.1 by ALPN (h2 and http/1.1 are offered by default).")
    var http1 = false

    @Option(help: "HTTP/2 streams in flight per connection (capped by the server's MAX_CONCURRENT_STREAMS).")
    var streams = 10

    @Flag(name: [.customShort("k"), .customLong("insecure")], help: "https://: do not verify the server's certificate.")
    var insecure = false

    @Option(help: "https://: PEM file of trusted certificates, instead of the system store.")
    var cacert: String?

    @Option(help: "How long to send, e.g. 10s, 500ms, 1m. Default 10s unless --requests is given.")
    var duration: String?

    @Option(help: "How many requests to send in all.")
    var requests: UInt64?

    @Option(help: "Open loop: requests per second over the whole run (e.g. 2000 or 2000/s); latency counts from each request's intended send time.")
    var rate: String?

    @Option(help: "Per-request timeout, and how long to wait for answers once sending stops.")
    var timeout = "5s"

    @Option(help: "Scenario file (JSON): weighted requests with templated ids; see loadtest/README.md.")
    var scenario: String?

    @Option(help: "Method of the single-URL request.")
    var method = "GET"

    @Option(name: [.customShort("H"), .long], help: "Header of the single-URL request, \"Name: value\" (repeatable).")
    var header: [String] = []

    @Option(help: "Body of the single-URL request.")
    var body: String?

    @Option(help: "Seed for the scenario's draws (overrides the file's).")
    var seed: UInt64?

    @Option(help: "Write the whole result as JSON to this file.")
    var json: String?

    @Option(help: "Write a self-contained HTML page (inline SVG charts: latency percentiles, req/s and status codes per second, the watcher's task counts) to this file.")
    var html: String?

    @Option(name: .customLong("max-p99"), help: "Fail (exit 1) when p99 latency is above this duration, e.g. 20ms.")
    var maxP99: String?

    @Option(help: "Fail (exit 1) when (errors + 5xx + unsent) / attempts is above this fraction, e.g. 0.01.")
    var maxErrorRate: Double?

    @Option(help: "Admin base URL to watch during and after the run, e.g. http://127.0.0.1:6060.")
    var watch: String?

    @Option(help: "How long the watcher keeps sampling after the load stops.")
    var settle = "5s"

    @Flag(help: "Exit 2 when the watcher finds a leak.")
    var failOnLeak = false

    @Flag(help: "Allow targets that are not loopback addresses (refused by default).")
    var allowRemote = false

    @OptionGroup var stageOptions: StageOptions

    @OptionGroup var rawOutput: RawOutputOptions

    @OptionGroup(title: "Server-side thresholds")
    var serverThresholds: ServerThresholdOptions
    @OptionGroup var checkTrace: CheckTraceOptions

    mutating func run() throws {
        var config = try makeConfiguration()
        try stageOptions.apply(to: &config, durationGiven: duration != nil)
        let startAt = try stageOptions.start()
        let thresholds = try makeThresholds()
        let serverLimits = try serverThresholds.limits(watching: watch != nil)
        let console = Console(progress: Terminal.standardErrorIsTerminal)
        let live = LiveView(configuration: config)
        var watcher: Watcher?
        if let watch {
            let client: AdminClient
            do { client = try AdminClient(base: watch, allowRemote: allowRemote) } catch {
                throw ValidationError("--watch: \(error)")
            }
            guard let settle = DurationText.parse(settle) else { throw ValidationError("--settle: not a duration") }
            if let serverLimits { try serverThresholds.checkRoutes(of: serverLimits, client: client) }
            // Entries whose requests carry an X-Request-Id prefix of their own: the verdict
            // names those that left orphans.
            let prefixes = config.scenario.requests.compactMap { entry in entry.requestIDPrefix.map { (prefix: $0, label: entry.label) } }
            watcher = Watcher(client: client, settle: settle, requestIDPrefixes: prefixes) { row in
                live.watched(row)
                console.row(row.line)
            }
        }

        let runner: LoadRunner
        let raw = try rawOutput.makeWriter(configuration: config, url: url, thresholds: thresholds)
        do { runner = try LoadRunner(configuration: config, raw: raw) } catch {
            raw?.abandon()
            throw ValidationError(error.description)
        }
        if let startAt { StageOptions.wait(until: startAt, console: console) }
        if let serverLimits {
            watcher?.arm(serverLimits) { breach in
                console.note("stopping: \(breach.summary)")
                runner.stop()
            }
        }
        watcher?.start()
        // Ctrl-C during the load stops sending (the watcher still settles and judges);
        // during the settle period it ends the watch.
        let loadDone = Atomic(false)
        let interrupt = Self.onInterrupt { [watcher] in
            if loadDone.load(ordering: .acquiring) {
                console.note("interrupted: ending the watch")
                watcher?.stop()
            } else {
                console.note("interrupted: stopping (answers in flight are awaited)")
                runner.stop()
            }
        }
        watcher?.loadStarted()
        let result = runner.run(startAt: startAt) { snapshot in console.progress(live.line(snapshot)) }
        loadDone.store(true, ordering: .releasing)
        watcher?.loadFinished()
        console.endProgress()
        let watchReport = watcher?.finish()
        interrupt.cancel()

        var report = LoadReport(result: result, configuration: config, url: url, thresholds: thresholds, watch: watchReport)
        if let watcher {
            report.incident?.server = watcher.incidentView()
            if let serverLimits {
                report.serverThresholds = ServerThresholdReport(limits: serverLimits, breach: watcher.breach,
                                                                loadEndSeconds: watcher.loadEndSeconds)
            }
        }
        rawOutput.finish(raw, result: result, report: report, console: console)
        print(report.text)
        if let verdict = watchReport?.verdict { print("  watch    \(verdict.summary)") }
        if let json {
            do {
                try report.json().write(to: URL(fileURLWithPath: json))
            } catch {
                throw ValidationError("--json: cannot write \(json): \(error)")
            }
        }
        if let html {
            do {
                try Data(report.html.utf8).write(to: URL(fileURLWithPath: html))
            } catch {
                throw ValidationError("--html: cannot write \(html): \(error)")
            }
        }
        var status: Int32 = 0
        if !report.thresholds.passed { status |= 1 }
        if failOnLeak, watchReport?.verdict.isLeak == true { status |= 2 }
        if report.serverThresholds?.passed == false { status |= 4 }
        if status != 0 { throw ExitCode(status) }
    }

    func makeConfiguration() throws -> LoadConfiguration {
        let target: LoadTarget
        do { target = try LoadTarget(url: url, allowRemote: allowRemote) } catch { throw ValidationError(error.description) }
        var config: LoadConfiguration
        if let scenario {
            do { config = LoadConfiguration(target: target, scenario: try Scenario.load(path: scenario)) } catch {
                throw ValidationError(error.description)
            }
            config.scenarioPath = scenario
        } else {
            var headers: [String: String] = [:]
            for line in header {
                guard let colon = line.firstIndex(of: ":") else { throw ValidationError("-H \(line): expected \"Name: value\"") }
                headers[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
            config = LoadConfiguration(target: target,
                                       scenario: .single(path: target.path, method: method, headers: headers, body: body))
        }
        config.connections = connections
        config.threads = threads
        config.pipeline = pipeline
        if h2c && target.tls { throw ValidationError("--h2c is for http:// targets; https:// offers h2 by ALPN") }
        if http1 && !target.tls { throw ValidationError("--http1 is for https:// targets; http:// is HTTP/1.1 unless --h2c") }
        config.http2 = target.tls ? !http1 : h2c
        config.streams = streams
        config.verifyCertificate = !insecure
        config.caFile = cacert
        if insecure && !target.tls { throw ValidationError("-k is for https:// targets") }
        config.requests = requests
        config.seed = seed
        if let duration {
            guard let value = DurationText.parse(duration) else { throw ValidationError("--duration: not a duration: \(duration)") }
            config.duration = value
        } else if requests == nil {
            config.duration = .seconds(10)
        }
        if let rate {
            let number = rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate
            guard let value = Double(number) else { throw ValidationError("--rate: expected a number per second: \(rate)") }
            config.rate = value
        }
        guard let timeoutValue = DurationText.parse(timeout) else { throw ValidationError("--timeout: not a duration") }
        config.timeout = timeoutValue
        try checkTrace.apply(to: &config)
        do { try config.validate() } catch { throw ValidationError(error.description) }
        return config
    }

    func makeThresholds() throws -> Thresholds {
        var thresholds = Thresholds(maxErrorRate: maxErrorRate)
        if let maxP99 {
            guard let value = DurationText.parse(maxP99) else { throw ValidationError("--max-p99: not a duration") }
            thresholds.maxP99Milliseconds = value.secondsValue * 1000
        }
        if let rate = maxErrorRate, !(0...1).contains(rate) { throw ValidationError("--max-error-rate must be within 0...1") }
        try checkTrace.apply(to: &thresholds)
        return thresholds
    }

    /// Calls `action` on SIGINT (once the source is cancelled, SIGINT is default again).
    static func onInterrupt(_ action: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: action)
        source.setCancelHandler { signal(SIGINT, SIG_DFL) }
        source.resume()
        return source
    }
}
