/// Everything a run needs: where, what, how hard, and for how long.
public struct LoadConfiguration: Sendable {
    public var target: LoadTarget
    public var scenario: Scenario
    /// Where the scenario came from (for the report); nil for a single-URL run.
    public var scenarioPath: String?
    /// Connections in all.
    public var connections = 16
    /// Client loops, one thread each; connections are shared out among them.
    public var threads = 1
    /// Requests in flight per connection (HTTP/1.1 pipelining); 1 is plain keep-alive.
    public var pipeline = 1
    /// HTTP/2: over cleartext by prior knowledge (h2c); over TLS, offered by ALPN.
    public var http2 = false
    /// HTTP/2 streams in flight per connection (the server's MAX_CONCURRENT_STREAMS caps it).
    public var streams = 10
    /// TLS: verify the server's certificate and name (`-k` turns it off).
    public var verifyCertificate = true
    /// TLS: PEM trust anchors instead of the system store.
    public var caFile: String?
    /// Send for this long. At least one of `duration` and `requests` bounds a run.
    public var duration: Duration?
    /// Send this many requests in all.
    public var requests: UInt64?
    /// Open loop: requests per second over the whole run. Nil: closed loop.
    public var rate: Double?
    /// Per request, and for the answers still due when sending stops.
    public var timeout: Duration = .seconds(5)
    /// How many distinct requests to render from a scenario (they are sent in turn).
    public var tableSize = 16_384
    /// Overrides the scenario's seed.
    public var seed: UInt64?
    /// A ramp of the rate (open loop) or of the connections in use (closed loop); the run
    /// lasts its total duration (LoadConfiguration+Stages.swift).
    public var stages: LoadStages?
    /// `--trace`: a traceparent on every request (nil: none added).
    public var trace: TraceSettings?
    /// Scenario checks that read bodies: the longest body kept (longer ones fail them).
    public var checkBodyLimit = ResponseChecks.defaultBodyLimit

    public init(target: LoadTarget, scenario: Scenario) {
        self.target = target
        self.scenario = scenario
    }

    /// Why a configuration cannot run.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Checks the numbers against each other and sane limits.
    public func validate() throws(Problem) {
        guard duration != nil || requests != nil else { throw Problem(description: "give --duration or --requests (or both)") }
        if let duration, duration <= .zero { throw Problem(description: "--duration must be positive") }
        if let duration, duration > .seconds(24 * 3600) { throw Problem(description: "--duration is at most 24h") }
        if let requests, requests == 0 { throw Problem(description: "--requests must be positive") }
        guard (1...100_000).contains(connections) else { throw Problem(description: "-c must be within 1...100000") }
        guard (1...256).contains(threads) else { throw Problem(description: "--threads must be within 1...256") }
        guard threads <= connections else { throw Problem(description: "--threads cannot exceed -c (each thread needs a connection)") }
        guard (1...1024).contains(pipeline) else { throw Problem(description: "--pipeline must be within 1...1024") }
        guard (1...1024).contains(streams) else { throw Problem(description: "--streams must be within 1...1024") }
        if pipeline > 1 && http2 { throw Problem(description: "--pipeline is for HTTP/1.1; HTTP/2 takes --streams") }
        if caFile != nil && !target.tls { throw Problem(description: "--cacert needs an https:// target") }
        if let rate, !(rate > 0 && rate <= 10_000_000) { throw Problem(description: "--rate must be within (0, 10M]/s") }
        guard timeout > .zero else { throw Problem(description: "--timeout must be positive") }
        guard (1...1_000_000).contains(tableSize) else { throw Problem(description: "table size must be within 1...1000000") }
        try validateStages()
        try validateTrace()
    }

    /// Connections of loop `index`: an even share, the remainder to the first loops.
    public func connections(ofLoop index: Int) -> Int {
        connections / threads + (index < connections % threads ? 1 : 0)
    }

    /// Requests of loop `index` under the request bound, or nil when there is none.
    /// Open loop: loop i sends the run's requests i, i + threads, ...; closed loop: an even share.
    public func requests(ofLoop index: Int) -> UInt64? {
        guard let requests else { return nil }
        let loops = UInt64(threads), position = UInt64(index)
        if isOpenLoop { return requests > position ? (requests - position + loops - 1) / loops : 0 }
        return requests / loops + (position < requests % loops ? 1 : 0)
    }

    /// Requests in flight per connection at most: streams when HTTP/2 may be spoken (over
    /// TLS, a connection whose server picks http/1.1 then pipelines that deep), else the
    /// pipeline depth.
    public var inflightPerConnection: Int { http2 ? streams : pipeline }

    /// "http/1.1", "h2c", or "tls" (ALPN picks h2 or http/1.1 per connection).
    public var protocolName: String { target.tls ? "tls" : (http2 ? "h2c" : "http/1.1") }

    /// Whether the run is paced (open loop).
    public var isOpenLoop: Bool { rate != nil || stages?.kind == .rate }

    /// Rendered requests: one when the scenario can only produce one, else the table size
    /// (no more than the request bound).
    var renderedCount: Int {
        let varies = scenario.requests.count > 1 || !(scenario.variables ?? [:]).isEmpty
        guard varies else { return 1 }
        if let requests, requests < UInt64(tableSize) { return Int(requests) }
        return tableSize
    }
}
