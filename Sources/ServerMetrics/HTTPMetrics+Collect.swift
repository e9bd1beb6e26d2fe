import Prometheus
import Synchronization

extension HTTPMetrics {
    /// Appends `http_requests_in_flight` and `http_request_duration_seconds`, the families
    /// this class keeps itself rather than in the registry.
    func collect(into text: inout PrometheusText) {
        let inFlight = Descriptors.inFlight
        let inFlightCount = shards.reduce(0) { $0 + $1.inFlight.load(ordering: .relaxed) }
            + inFlightSources.withLock { Array($0.values) }.reduce(0) { $0 + $1() }
        text.family(inFlight.name, type: .gauge, help: inFlight.helpText ?? "", value: Double(inFlightCount))

        let duration = Descriptors.duration
        text.histogramFamily(
            duration.name, help: duration.helpText ?? "",
            upperBounds: durations.bounds.map(PrometheusText.seconds(nanoseconds:)),
            series: durations.snapshot()
        )
    }
}
