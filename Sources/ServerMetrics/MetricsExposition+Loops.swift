import Server

extension MetricsExposition {
    /// Appends the event loops' families: `eventloop_iteration_seconds` and
    /// `eventloop_lag_seconds` (histograms) and `eventloop_stalls_total`, each labelled
    /// with the loop's index. The loops keep them themselves (es_loop.h, "Loop health"), so
    /// they are read here, at scrape time.
    static func renderLoops(_ loops: [EventLoopHealth], into text: inout PrometheusText) {
        guard !loops.isEmpty else { return }
        let bounds = LoopHistogram.upperBoundsNanoseconds.map(PrometheusText.seconds(nanoseconds:))
        func series(_ histogram: KeyPath<EventLoopHealth, LoopHistogram>) -> [HistogramSnapshot] {
            loops.map { loop in
                let counts = loop[keyPath: histogram].counts
                var cumulative: [Int] = []
                var total = 0
                for count in counts {
                    total += Int(clamping: count)
                    cumulative.append(total)
                }
                return HistogramSnapshot(labels: [("loop", String(loop.index))], cumulative: cumulative,
                                         sumSeconds: Double(loop[keyPath: histogram].sumNanoseconds) / 1e9,
                                         exemplars: [HistogramExemplar?](repeating: nil, count: counts.count))
            }
        }
        text.histogramFamily(
            "eventloop_iteration_seconds",
            help: "Event loop iterations: from one return of epoll_wait to the next call of it, by loop.",
            upperBounds: bounds, series: series(\.iterations)
        )
        text.histogramFamily(
            "eventloop_lag_seconds",
            help: "How late timers (sleeps) on the event loop ran: when they ran minus when they were due, by loop.",
            upperBounds: bounds, series: series(\.lag)
        )
        text.family(
            "eventloop_stalls_total", type: .counter,
            help: "Event loop iterations that lasted the stall threshold (--stall-threshold) or longer, by loop.",
            samples: loops.map { ([("loop", String($0.index))], Double($0.stallCount)) }
        )
    }
}
