import CEventShim

/// What the loop measures of itself, read by its watchdog and by metrics (es_loop.h,
/// "Loop health"), and what middleware tells it about the request it runs.
extension EventLoop {
    /// Tells the watchdog of the loop running on this thread which request runs now, until
    /// the loop finishes handing the request to its handler (it clears the tag itself when
    /// `on_request` returns: the request was answered, or its task suspended). `tag` is the
    /// caller's own non-zero encoding, passed back in `LoopActivity.requestTag` to
    /// `ServerConfiguration.stalledRequest`. No-op off the loops; one store, no lock.
    @inlinable
    public static func publishRunningRequest(_ tag: UInt64) {
        es_loop_publish_request(tag)
    }

    /// Iterations of `threshold` or longer count as stalls. Call before `run`.
    func setStallThreshold(_ threshold: Duration) {
        if let cLoop { es_loop_set_stall_threshold(cLoop, UInt64(clamping: threshold.nanoseconds)) }
    }

    /// The loop now, as the watchdog reads it (any thread).
    func watchSample() -> LoopSample {
        guard let cLoop else { return LoopSample() }
        var sample = es_loop_watch_sample()
        es_loop_watch(cLoop, &sample)
        return LoopSample(busySince: sample.busy_since_ns, requestTag: sample.request_tag, taskTag: sample.task_tag,
                          stalls: sample.stalls, lastStallStart: sample.last_stall_start_ns,
                          lastStallLength: sample.last_stall_ns)
    }

    /// The iteration-length and timer-lag histograms (any thread).
    func healthHistograms() -> (iterations: LoopHistogram, lag: LoopHistogram) {
        guard let cLoop else { return (.empty, .empty) }
        var iterations = es_health_histogram(), lag = es_health_histogram()
        es_loop_histograms(cLoop, &iterations, &lag)
        return (LoopHistogram(iterations), LoopHistogram(lag))
    }
}
