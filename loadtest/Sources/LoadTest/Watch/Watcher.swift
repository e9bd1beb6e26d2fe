import Foundation
import Synchronization

/// Samples the admin port once a second, on its own thread: once before the load (the
/// baseline), during the load, and for a settle period after it; prints a row per sample
/// and judges leaks at the end.
public final class Watcher: Sendable {
    let client: AdminClient
    let settle: Duration
    let interval: Duration
    let rules: LeakVerdict.Rules
    let onRow: @Sendable (WatchRow) -> Void
    let state = Mutex(State())
    let done = DispatchSemaphore(value: 0)
    let clockStart = ContinuousClock.now

    struct State: Sendable {
        var samples: [WatchSample] = []
        var rows: [WatchRow] = []
        var loadStart: Double?
        var loadEnd: Double?
        var stopped = false
    }

    /// `onRow` is called on the watcher's thread for every sample.
    public init(client: AdminClient, settle: Duration = .seconds(5), interval: Duration = .seconds(1),
                rules: LeakVerdict.Rules = .init(), onRow: @escaping @Sendable (WatchRow) -> Void) {
        self.client = client
        self.settle = settle
        self.interval = interval
        self.rules = rules
        self.onRow = onRow
    }

    var now: Double { (ContinuousClock.now - clockStart).secondsValue }

    /// Takes the baseline sample (on the calling thread) and starts the sampling thread.
    public func start() {
        record(sample())
        let thread = Thread { [self] in
            loop()
            done.signal()
        }
        thread.name = "loadtest-watch"
        thread.start()
    }

    /// Marks the start of the load.
    public func loadStarted() { state.withLock { $0.loadStart = now } }

    /// Marks the end of the load; sampling goes on for the settle period.
    public func loadFinished() { state.withLock { $0.loadEnd = now } }

    /// Ends sampling early (after the next sample at most).
    public func stop() { state.withLock { $0.stopped = true } }

    /// Waits for the settle period to pass, and returns rows and verdict.
    public func finish() -> WatchReport {
        done.wait()
        return state.withLock { state in
            let verdict = LeakVerdict(samples: state.samples, loadStart: state.loadStart ?? 0,
                                      loadEnd: state.loadEnd ?? now, rules: rules)
            return WatchReport(admin: "http://\(client.target.authority)", settleSeconds: settle.secondsValue,
                               loadStartSeconds: state.loadStart, rows: state.rows, verdict: verdict)
        }
    }

    func loop() {
        var next = ContinuousClock.now + interval
        while true {
            let (end, stopped) = state.withLock { ($0.loadEnd, $0.stopped) }
            if stopped { return }
            if let end, now >= end + settle.secondsValue { return }
            let wait = next - ContinuousClock.now
            if wait > .zero { Thread.sleep(forTimeInterval: wait.secondsValue) }
            next += interval
            record(sample())
        }
    }

    func sample() -> WatchSample {
        let time = now
        do {
            let tasks = try client.get("/debug/tasks?format=json")
            let metrics = try client.get("/metrics")
            guard tasks.status == 200, metrics.status == 200 else {
                return WatchSample(time: time, error: "status \(tasks.status) from /debug/tasks, \(metrics.status) from /metrics")
            }
            return try WatchSample(time: time, tasksJSON: tasks.body, metricsText: metrics.text)
        } catch {
            return WatchSample(time: time, error: "\(error)")
        }
    }

    func record(_ sample: WatchSample) {
        let row = state.withLock { state -> WatchRow in
            let phase = state.loadStart == nil ? "baseline" : (state.loadEnd.map { sample.time > $0 } == true ? "settle" : "load")
            let previous = state.samples.last { $0.error == nil }
            let row = WatchRow(current: sample, previous: previous, phase: phase)
            state.samples.append(sample)
            state.rows.append(row)
            return row
        }
        onRow(row)
    }
}
