import ArgumentParser
import LoadTest

/// Scenario checks' threshold and W3C trace context (`--trace`).
struct CheckTraceOptions: ParsableArguments {
    @Option(name: .customLong("max-check-failures"),
            help: "Fail (exit 1) when the share of checked responses that fail a scenario check (\"expect\") is above this fraction, e.g. 0.01.")
    var maxCheckFailures: Double?

    @Flag(help: "Send a W3C traceparent on every request, a new trace id each; the slowest requests' trace ids are reported.")
    var trace = false

    @Option(help: "With --trace: the fraction of requests sent with the sampled flag, 0...1.")
    var traceSampling: Double?

    /// Sets --trace on the configuration; bad values are usage errors.
    func apply(to config: inout LoadConfiguration) throws {
        if let sampling = traceSampling {
            guard trace else { throw ValidationError("--trace-sampling needs --trace") }
            guard (0...1).contains(sampling) else { throw ValidationError("--trace-sampling must be within 0...1") }
        }
        if trace { config.trace = TraceSettings(sampling: traceSampling ?? 1) }
    }

    /// Adds --max-check-failures to the thresholds.
    func apply(to thresholds: inout Thresholds) throws {
        if let rate = maxCheckFailures, !(0...1).contains(rate) {
            throw ValidationError("--max-check-failures must be within 0...1")
        }
        thresholds.maxCheckFailureRate = maxCheckFailures
    }
}
