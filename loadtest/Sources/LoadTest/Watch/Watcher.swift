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
    /// Each scenario entry's `X-Request-Id` prefix and label, to attribute orphans.
    let requestIDPrefixes: [(prefix: String, label: String)]
    let onRow: @Sendable (WatchRow) -> Void
    let state = Mutex(State())
    let done = DispatchSemaphore(value: 0)
    let clockStart = ContinuousClock.now
    /// Limits judged at each sample of the load (`arm`), and the one crossed.
    let thresholdState = Mutex(ThresholdState())
    /// The task snapshots' texts for the incident report.
    let incidentState = Mutex(IncidentState())

    struct State: Sendable {
        var samples: [WatchSample] = []
        var rows: [WatchRow] = []
        var loadStart: Double?
        var loadEnd: Double?
        var stopped = false
        /// Orphans per scenario entry before the load, when the baseline had any.
        var baselineEntries: [String: Int] = [:]
    }

    /// `onRow` is called on the watcher's thread for every sample.
    public init(client: AdminClient, settle: Duration = .seconds(5), interval: Duration = .seconds(1),
                rules: LeakVerdict.Rules = .init(), requestIDPrefixes: [(prefix: String, label: String)] = [],
                onRow: @escaping @Sendable (WatchRow) -> Void) {
        self.client = client
        // Longest first, so that "map-missing-" wins over "map-" for "map-missing-7".
        self.requestIDPrefixes = requestIDPrefixes.sorted { $0.prefix.count > $1.prefix.count }
        self.settle = settle
        self.interval = interval
        self.rules = rules
        self.onRow = onRow
    }

    var now: Double { (ContinuousClock.now - clockStart).secondsValue }

    /// Takes the baseline sample (on the calling thread) and starts the sampling thread.
    public func start() {
        let baseline = sample()
        record(baseline)
        // Ids repeat from run to run ({n} starts at 0 again), so orphans an earlier run left
        // would count against this one's entries: count them now, and subtract at the end.
        if (baseline.orphans?.total ?? 0) > 0 {
            let counts = entryCounts()
            state.withLock { $0.baselineEntries = counts }
        }
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
        let orphanEntries = orphansByEntry()
        return state.withLock { state in
            let verdict = LeakVerdict(samples: state.samples, loadStart: state.loadStart ?? 0,
                                      loadEnd: state.loadEnd ?? now, rules: rules, orphanEntries: orphanEntries)
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
            var sample = try WatchSample(time: time, tasksJSON: tasks.body, metricsText: metrics.text)
            // A server without the view answers 400: the verdict then judges growth alone.
            let orphans = try client.get("/debug/tasks?view=orphans&format=json")
            if orphans.status == 200 { sample.orphans = try WatchSample.Orphans(json: orphans.body) }
            return sample
        } catch {
            return WatchSample(time: time, error: "\(error)")
        }
    }

    /// When the run added orphans: how many came from each scenario entry, by the prefix of
    /// the request ids the server attributes them to (one more read, at the end), less
    /// those counted before the load.
    func orphansByEntry() -> [String: Int] {
        let (first, last, baseline) = state.withLock { state in
            (state.samples.first { $0.error == nil }, state.samples.last { $0.error == nil }, state.baselineEntries)
        }
        guard !LeakVerdict.newOrphans(baseline: first?.orphans, last: last?.orphans).isEmpty else { return [:] }
        return entryCounts().reduce(into: [:]) { counts, entry in
            let added = entry.value - (baseline[entry.key] ?? 0)
            if added > 0 { counts[entry.key] = added }
        }
    }

    /// Live orphans per scenario entry, from `view=orphans&group_by=request_id`.
    func entryCounts() -> [String: Int] {
        guard !requestIDPrefixes.isEmpty,
              let response = try? client.get("/debug/tasks?view=orphans&group_by=request_id&format=json"),
              response.status == 200,
              let view = try? JSONDecoder().decode(WatchSample.OrphanViewJSON.self, from: Data(response.body)) else { return [:] }
        var counts: [String: Int] = [:]
        for group in view.groups {
            guard let id = group.requestID,
                  let entry = requestIDPrefixes.first(where: { id.hasPrefix($0.prefix) }) else { continue }
            counts[entry.label, default: 0] += group.count
        }
        return counts
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
        judgeThresholds(sample, row: row)
        captureSnapshots(sample, row: row)
    }
}
