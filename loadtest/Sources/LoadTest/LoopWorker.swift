#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLoadClient
import Histogram
import Synchronization

/// One C loop and what it measured. The loop runs on its own thread and hands samples to
/// `record` in batches; the progress reporter and the runner read the totals under the lock.
final class LoopWorker: Sendable {
    /// The C loop. lc_loop_run() is called on the worker's thread only; lc_loop_stop() and
    /// lc_loop_counters_read() are safe from any thread (lc_client.h).
    struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Counts since the progress reporter last looked.
    struct Interval: Sendable {
        var responses: UInt64 = 0
        var serverErrors: UInt64 = 0
        var errors: UInt64 = 0
        var latency = LoadStats().latency
    }

    struct State: Sendable {
        var total = LoadStats()
        var byEntry: [LoadStats]
        var interval = Interval()
        var timeline = Timeline()
        /// The slowest responses: as many as the incident report or --trace lists.
        var slowest: SlowestRequests
        /// Checks per entry.
        var checks: SampleChecks
    }

    let state: Mutex<State>
    let entryOfRequest: [Int]
    /// `--out`: where the samples also go, as records.
    let raw: RawWriter?
    private let handle = Mutex<Handle?>(nil)

    /// With --trace: this loop's trace prefix and threshold.
    let trace: TraceSettings.Loop?

    init(entryCount: Int, entryOfRequest: [Int], checks: SampleChecks? = nil, trace: TraceSettings.Loop? = nil,
         slowestKept: Int = SlowestRequests.reportedCount, raw: RawWriter? = nil) {
        state = Mutex(State(byEntry: (0..<entryCount).map { _ in LoadStats() },
                            slowest: SlowestRequests(capacity: slowestKept),
                            checks: checks ?? SampleChecks(checks: [])))
        self.entryOfRequest = entryOfRequest
        self.trace = trace
        self.raw = raw
    }

    /// Creates the C loop for `config` (whose callback fields this fills in).
    func create(_ config: lc_loop_config, host: String, serverName: String, caFile: String?) throws(LoadRunner.Failure) {
        var config = config
        config.ctx = Unmanaged.passUnretained(self).toOpaque()
        config.on_samples = { ctx, samples, count in
            guard let ctx, let samples else { return }
            let worker = Unmanaged<LoopWorker>.fromOpaque(ctx).takeUnretainedValue()
            worker.record(UnsafeBufferPointer(start: samples, count: Int(count)))
        }
        // lc_loop_create() reads the strings while it runs and keeps copies of what it needs.
        let loop = host.withCString { cHost -> OpaquePointer? in
            config.host = cHost
            return serverName.withCString { cName in
                config.tls_server_name = cName
                return withOptionalCString(caFile) { cCAFile in
                    config.tls_ca_file = cCAFile
                    return lc_loop_create(&config)
                }
            }
        }
        guard let loop else { throw .cannotCreateLoop(errno: errno) }
        handle.withLock { $0 = Handle(pointer: loop) }
    }

    /// Moves the loop's start; before `run()` only.
    func setStart(_ nanoseconds: UInt64) {
        if let loop = handle.withLock({ $0 }) { lc_loop_set_start(loop.pointer, nanoseconds) }
    }

    /// Runs the loop to its end on the calling thread.
    func run() {
        guard let loop = handle.withLock({ $0 }) else { return }
        lc_loop_run(loop.pointer)
    }

    func stop() {
        if let loop = handle.withLock({ $0 }) { lc_loop_stop(loop.pointer) }
    }

    var counters: lc_loop_counters {
        guard let loop = handle.withLock({ $0 }) else { return lc_loop_counters() }
        return lc_loop_counters_read(loop.pointer)
    }

    func record(_ samples: UnsafeBufferPointer<lc_sample>) {
        raw?.append(samples, entryOfRequest: entryOfRequest)
        state.withLock { state in
            for sample in samples {
                state.total.record(sample)
                state.timeline.record(sample)
                state.slowest.offer(sample)
                let index = Int(sample.request_index)
                if sample.request_index != LC_NO_REQUEST, index < entryOfRequest.count {
                    state.byEntry[entryOfRequest[index]].record(sample)
                    state.checks.record(sample, entry: entryOfRequest[index])
                }
                if sample.error != 0 {
                    state.interval.errors += 1
                } else {
                    state.interval.responses += 1
                    if sample.status >= 500 { state.interval.serverErrors += 1 }
                    let micros = min((sample.latency_ns + 999) / 1000, LoadStats.highestTrackableMicroseconds)
                    _ = state.interval.latency.record(max(1, micros))
                }
            }
        }
    }

    /// The interval counts so far, and a fresh interval.
    func takeInterval() -> Interval {
        state.withLock { state in
            let interval = state.interval
            state.interval.responses = 0
            state.interval.serverErrors = 0
            state.interval.errors = 0
            state.interval.latency.reset()
            return interval
        }
    }

    deinit {
        if let loop = handle.withLock({ $0 }) { lc_loop_destroy(loop.pointer) }
    }
}

/// Calls `body` with a C string of `text`, or with nil.
func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
