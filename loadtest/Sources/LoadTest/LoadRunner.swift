import CLoadClient
import Foundation
import Histogram
import Synchronization

/// Runs a load: renders the requests, starts one C loop per thread, reports progress
/// every second while they run, and gathers what they measured.
public final class LoadRunner: Sendable {
    public let configuration: LoadConfiguration
    let table: RequestTable
    let workers: [LoopWorker]
    /// `--out`: the raw results file, started when sending starts.
    let raw: RawWriter?
    /// How long after `run()` is called sending starts: time for the connections to open.
    static let connectLead: UInt64 = 100_000_000

    /// Why a run could not start.
    public enum Failure: Error, CustomStringConvertible {
        case invalid(String)
        case cannotCreateLoop(errno: Int32)

        public var description: String {
            switch self {
            case .invalid(let message): message
            case .cannotCreateLoop(let errno) where errno == EPROTO:
                "cannot set up TLS (is the --cacert file a readable PEM bundle?)"
            case .cannotCreateLoop(let errno) where errno == EINVAL:
                "cannot create a client loop: bad address, or a request HTTP/2 cannot carry"
            case .cannotCreateLoop(let errno): "cannot create a client loop (errno \(errno))"
            }
        }
    }

    /// Prepares a run: validates, renders the request table, creates the loops.
    public init(configuration: LoadConfiguration, raw: RawWriter? = nil) throws(Failure) {
        do { try configuration.validate() } catch { throw .invalid(error.description) }
        do { try configuration.scenario.validate() } catch { throw .invalid(error.description) }
        self.configuration = configuration
        self.raw = raw
        _ = lc_raise_fd_limit()
        table = RequestTable(scenario: configuration.scenario, authority: configuration.target.authority,
                             count: configuration.renderedCount, seed: configuration.seed,
                             traceparent: configuration.trace != nil)
        var workers: [LoopWorker] = []
        let checks = configuration.compiledChecks
        let runPrefix = UInt64.random(in: 1...UInt64.max)
        for index in 0..<configuration.threads {
            let trace = configuration.trace?.loop(index, runPrefix: runPrefix)
            let worker = LoopWorker(entryCount: configuration.scenario.requests.count, entryOfRequest: table.entries,
                                    checks: SampleChecks(checks: checks), trace: trace,
                                    slowestKept: max(SlowestRequests.reportedCount, configuration.trace?.slowest ?? 0), raw: raw)
            var config = lc_loop_config_default()
            config.port = configuration.target.port
            config.connections = UInt32(configuration.connections(ofLoop: index))
            config.pipeline = UInt32(configuration.inflightPerConnection)
            config.http2 = configuration.http2 ? 1 : 0
            config.tls = configuration.target.tls ? 1 : 0
            config.tls_verify = configuration.verifyCertificate ? 1 : 0
            config.max_requests = configuration.requests(ofLoop: index) ?? 0
            config.start_ns = lc_now_ns() + Self.connectLead // moved by run()
            config.duration_ns = configuration.duration?.nanosecondsValue ?? 0
            config.timeout_ns = configuration.timeout.nanosecondsValue
            if let rate = configuration.rate {
                config.schedule = OpenLoopSchedule(rate: rate, startNanoseconds: config.start_ns,
                                                   loopIndex: index, loopCount: configuration.threads).raw
            }
            // Stages: lc_loop_create() copies them; these buffers are freed after it.
            let stages = configuration.cStages(ofLoop: index)
            defer { stages.rate?.deallocate(); stages.connections?.deallocate() }
            if let rate = stages.rate {
                config.schedule = lc_schedule(rate: configuration.stages?.start ?? 0, start_ns: config.start_ns,
                                              phase: UInt32(index), stride: UInt32(configuration.threads),
                                              stages: UnsafePointer(rate.baseAddress), stage_count: UInt32(rate.count))
            }
            if let connections = stages.connections {
                config.conn_stages = connections.baseAddress
                config.conn_stage_count = UInt32(connections.count)
                config.conn_start = stages.connectionStart
            }
            config.requests = UnsafePointer(table.requests)
            config.request_count = UInt32(table.count)
            config.request_cursor = UInt32(table.count * index / configuration.threads)
            config.body_limit = UInt32(configuration.checkBodyLimit)
            if let trace {
                config.trace_prefix = trace.prefix
                config.trace_sampled_below = trace.sampledBelow
            }
            if config.max_requests == 0 && config.duration_ns == 0 { continue } // nothing to send
            try worker.create(config, host: configuration.target.host, serverName: configuration.target.serverName,
                              caFile: configuration.caFile)
            workers.append(worker)
        }
        self.workers = workers
    }

    /// Stops sending (any thread); answers in flight are still awaited, up to the timeout.
    public func stop() {
        for worker in workers { worker.stop() }
    }

    /// Runs the load to its end (once per runner). `onTick` is called on the calling thread about every
    /// `interval` with the progress since the last call. Sending starts at `startAt` (`--start-at`;
    /// at once if it has passed), else after the connect lead.
    public func run(startAt: Date? = nil, interval: Duration = .seconds(1),
                    onTick: (ProgressSnapshot) -> Void = { _ in }) -> LoadResult {
        let (startNanoseconds, startedAt) = Self.start(at: startAt)
        let finished = DispatchSemaphore(value: 0)
        for worker in workers { worker.setStart(startNanoseconds) }
        raw?.start(startedAt: startedAt)
        for (index, worker) in workers.enumerated() {
            let thread = Thread {
                worker.run()
                finished.signal()
            }
            thread.name = "loadtest-\(index)"
            thread.start()
        }
        var remaining = workers.count
        var lastTick = lc_now_ns()
        // Progress ticks count from the start of sending, which --start-at may put later.
        if startNanoseconds > lc_now_ns() + Self.connectLead { lastTick = startNanoseconds }
        var summaries: [Int: Timeline.Point] = [:]
        var nextTick = startNanoseconds + interval.nanosecondsValue
        while remaining > 0 {
            let now = lc_now_ns()
            let wait = nextTick > now ? Double(nextTick - now) / 1e9 : 0
            if finished.wait(timeout: .now() + wait) == .success {
                remaining -= 1
                continue
            }
            let tick = lc_now_ns()
            onTick(progress(at: tick, since: lastTick, start: startNanoseconds))
            // Seconds that ended 2 s ago are complete (loops hand samples over every 100 ms).
            let closed = tick > startNanoseconds ? Int((tick - startNanoseconds) / 1_000_000_000) - 2 : 0
            summaries.merge(closeSeconds(before: closed).summaries) { $0.absorbing($1) }
            lastTick = tick
            nextTick += interval.nanosecondsValue
        }
        summaries.merge(closeSeconds(before: nil).summaries) { $0.absorbing($1) }
        return result(startedAt: startedAt, start: startNanoseconds,
                      timeline: configuration.withTargets(Timeline.points(summaries)))
    }

    /// The loops' seconds before `limit` (all when nil), merged.
    func closeSeconds(before limit: Int?) -> Timeline {
        var merged = Timeline()
        for worker in workers {
            merged.merge(worker.state.withLock { $0.timeline.take(before: limit) })
        }
        return merged
    }

    func progress(at now: UInt64, since: UInt64, start startNanoseconds: UInt64) -> ProgressSnapshot {
        var snapshot = ProgressSnapshot(elapsedSeconds: Double(now &- startNanoseconds) / 1e9,
                                        intervalSeconds: Double(now - since) / 1e9)
        var latency = LoadStats().latency
        for worker in workers {
            let interval = worker.takeInterval()
            snapshot.responses += interval.responses
            snapshot.serverErrors += interval.serverErrors
            snapshot.errors += interval.errors
            latency.add(interval.latency)
        }
        snapshot.p99Milliseconds = latency.totalCount > 0 ? Double(latency.valueAtPercentile(99)) / 1000 : 0
        return snapshot
    }

    func result(startedAt: Date, start startNanoseconds: UInt64, timeline: [Timeline.Point]) -> LoadResult {
        var total = LoadStats()
        var byEntry = configuration.scenario.requests.map { _ in LoadStats() }
        var counters = lc_loop_counters()
        var finishedNanoseconds = startNanoseconds
        var slowest: [(entry: SlowestRequests.Entry, trace: TraceSettings.Loop?)] = []
        var checks = CheckTotals(configuration: configuration)
        for worker in workers {
            worker.state.withLock { state in
                slowest += state.slowest.entries.map { ($0, worker.trace) }
                total.merge(state.total)
                for index in byEntry.indices { byEntry[index].merge(state.byEntry[index]) }
                checks.merge(state.checks)
            }
            let c = worker.counters
            counters.sent += c.sent
            counters.responses += c.responses
            counters.errors += c.errors
            counters.connects += c.connects
            counters.bytes_in += c.bytes_in
            counters.bytes_out += c.bytes_out
            counters.unsent += c.unsent
            counters.connects_h2 += c.connects_h2
            counters.tls_failures += c.tls_failures
            counters.trace_sampled += c.trace_sampled
            finishedNanoseconds = max(finishedNanoseconds, c.finished_ns)
        }
        var result = LoadResult(startedAt: startedAt,
                          elapsedSeconds: Double(finishedNanoseconds - startNanoseconds) / 1e9,
                          stats: total, byEntry: byEntry, timeline: timeline, entryLabels: table.entryLabels,
                          sent: counters.sent, unsent: counters.unsent, connects: counters.connects,
                          connectsHTTP2: counters.connects_h2, tlsFailures: counters.tls_failures,
                          bytesIn: counters.bytes_in, bytesOut: counters.bytes_out)
        // The slowest of all loops, slowest first: the incident report's list, and with
        // --trace the list of their trace contexts.
        slowest.sort { $0.entry.latencyNanoseconds > $1.entry.latencyNanoseconds }
        result.slowest = slowest.prefix(SlowestRequests.reportedCount).map { $0.entry.report(table: table, trace: $0.trace) }
        if let keep = configuration.trace?.slowest {
            result.slowestTraced = slowest.prefix(keep).compactMap { entry, trace in
                trace.map { TracedRequest(entry, label: table.entryLabel(ofRequest: Int(entry.requestIndex)), trace: $0) }
            }
        }
        result.checks = checks.stats
        result.traceSampled = configuration.trace != nil ? counters.trace_sampled : nil
        result.traceSampling = configuration.trace?.sampling
        return result
    }
}
