extension LoadConfiguration {
    /// The checks' body limit within 1 KiB...16 MiB; `--trace`: the sampled fraction within
    /// 0...1, and no scenario traceparent to clash with the one the client sends.
    func validateTrace() throws(Problem) {
        guard (1024...(16 << 20)).contains(checkBodyLimit) else { throw Problem(description: "the body limit of checks must be within 1 KiB...16 MiB") }
        guard let trace else { return }
        guard (0...1).contains(trace.sampling) else { throw Problem(description: "--trace-sampling must be within 0...1") }
        guard (1...1000).contains(trace.slowest) else { throw Problem(description: "the slowest list keeps 1...1000 requests") }
        let headers = Array((scenario.headers ?? [:]).keys) + scenario.requests.flatMap { Array(($0.headers ?? [:]).keys) }
        if headers.contains(where: { $0.lowercased() == "traceparent" }) {
            throw Problem(description: "--trace sends its own traceparent: remove the scenario's traceparent header")
        }
    }
}
