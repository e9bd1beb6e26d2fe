import Synchronization

extension Watcher {
    /// What judging limits needs between samples.
    struct ThresholdState: Sendable {
        var judge: ServerThresholdJudge?
        var onBreach: (@Sendable (ServerThresholdBreach) -> Void)?
        var breach: ServerThresholdBreach?
    }

    /// Judges every sample of the load against `thresholds`; `onBreach` is called once, on
    /// the watcher's thread, with the first limit crossed (the caller stops the load; the
    /// watcher goes on through the settle period).
    public func arm(_ thresholds: ServerThresholds, onBreach: @escaping @Sendable (ServerThresholdBreach) -> Void) {
        thresholdState.withLock { state in
            state.judge = ServerThresholdJudge(thresholds: thresholds, minimumExcess: rules.minimumExcess)
            state.onBreach = onBreach
        }
    }

    /// The limit crossed, if one was.
    public var breach: ServerThresholdBreach? { thresholdState.withLock { $0.breach } }

    /// Watcher time at which the load ended (nil while it runs).
    public var loadEndSeconds: Double? { state.withLock { $0.loadEnd } }

    /// Called after each sample is recorded.
    func judgeThresholds(_ sample: WatchSample, row: WatchRow) {
        guard row.phase == "load", let judge = thresholdState.withLock({ $0.breach == nil ? $0.judge : nil }) else { return }
        let (baseline, previous, load, loadStart) = state.withLock { state in
            let good = state.samples.filter { $0.error == nil }
            let loadStart = state.loadStart ?? 0
            return (good.first, good.dropLast().last, good.filter { $0.time >= loadStart }, loadStart)
        }
        guard var found = judge.breach(current: sample, row: row, previous: previous, baseline: baseline,
                                       load: load, loadStart: loadStart) else { return }
        found.seenSeconds = now
        let onBreach = thresholdState.withLock { state -> (@Sendable (ServerThresholdBreach) -> Void)? in
            guard state.breach == nil else { return nil }
            state.breach = found
            return state.onBreach
        }
        onBreach?(found)
    }
}
