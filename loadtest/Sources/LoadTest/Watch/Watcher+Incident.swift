import Synchronization

extension Watcher {
    /// The `debug=1` texts read for the incident report, and the peak they follow.
    struct IncidentState: Sendable {
        var texts: [String: String] = [:]
        var peakTasks = -1
    }

    /// The longest `debug=1` text kept per snapshot.
    static let snapshotTextLimit = 32 * 1024

    /// Reads `/debug/tasks?debug=1` at the baseline and whenever a sample has more live
    /// tasks than any before it (the peak so far).
    func captureSnapshots(_ sample: WatchSample, row: WatchRow) {
        guard sample.error == nil else { return }
        let moment: String? = incidentState.withLock { state in
            if row.phase == "baseline" { return state.texts["baseline"] == nil ? "baseline" : nil }
            guard sample.totalTasks > state.peakTasks else { return nil }
            state.peakTasks = sample.totalTasks
            return "peak"
        }
        guard let moment, let text = taskText() else { return }
        incidentState.withLock { $0.texts[moment] = text }
    }

    /// The server's view of the run, after `finish()`: reads the settled snapshot's text.
    public func incidentView() -> IncidentServerView {
        let settledText = taskText()
        let texts = incidentState.withLock { state in
            var texts = state.texts
            texts["settled"] = settledText
            return texts
        }
        return state.withLock { state in
            IncidentServerView(samples: state.samples, rows: state.rows,
                               offset: (state.loadStart ?? 0) + ServerThresholdJudge.defaultSendingLead,
                               texts: texts)
        }
    }

    func taskText() -> String? {
        guard let response = try? client.get("/debug/tasks?debug=1"), response.status == 200 else { return nil }
        let text = response.text
        guard text.utf8.count > Self.snapshotTextLimit else { return text }
        var cut = String(decoding: text.utf8.prefix(Self.snapshotTextLimit), as: UTF8.self)
        if let newline = cut.lastIndex(of: "\n") { cut = String(cut[...newline]) }
        return cut + "… (cut at \(Self.snapshotTextLimit / 1024) KiB)\n"
    }
}
