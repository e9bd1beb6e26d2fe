import LoadTest
import Testing

@Suite struct LoadConfigurationTests {
    static func configuration(connections: Int = 16, threads: Int = 1, requests: UInt64? = nil, rate: Double? = nil,
                              duration: Duration? = .seconds(1)) throws -> LoadConfiguration {
        var config = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:1/"), scenario: .single(path: "/"))
        config.connections = connections
        config.threads = threads
        config.requests = requests
        config.rate = rate
        config.duration = duration
        return config
    }

    @Test(arguments: [(16, 1, [16]), (10, 3, [4, 3, 3]), (5, 5, [1, 1, 1, 1, 1]), (7, 2, [4, 3])] as [(Int, Int, [Int])])
    func connectionsAreSharedOut(connections: Int, threads: Int, shares: [Int]) throws {
        let config = try Self.configuration(connections: connections, threads: threads)
        #expect((0..<threads).map { config.connections(ofLoop: $0) } == shares)
    }

    @Test(arguments: [
        // requests, threads, open loop?, per-loop shares
        (10, 3, false, [4, 3, 3]),
        (10, 3, true, [4, 3, 3]),
        (2, 3, true, [1, 1, 0]),
        (2, 3, false, [1, 1, 0]),
        (1000, 1, true, [1000]),
    ] as [(UInt64, Int, Bool, [UInt64])])
    func requestBoundsAreSharedOut(requests: UInt64, threads: Int, open: Bool, shares: [UInt64]) throws {
        let config = try Self.configuration(threads: threads, requests: requests, rate: open ? 100 : nil)
        let got = (0..<threads).map { config.requests(ofLoop: $0) ?? 0 }
        #expect(got == shares)
        #expect(got.reduce(0, +) == requests)
        if open {
            // Loop i sends the run's requests g = i, i + threads, ...: exactly those below the bound.
            for loop in 0..<threads {
                #expect(got[loop] == UInt64((0..<Int(requests)).filter { $0 % threads == loop }.count))
            }
        }
    }

    /// One wrong setting each.
    enum Mistake: CaseIterable, Sendable {
        case noBound, zeroRequests, moreThreadsThanConnections, zeroPipeline, negativeRate, zeroTimeout
        case zeroStreams, pipelineWithHTTP2, caFileWithoutTLS

        func apply(to config: inout LoadConfiguration) {
            switch self {
            case .noBound: config.duration = nil; config.requests = nil
            case .zeroRequests: config.requests = 0
            case .moreThreadsThanConnections: config.threads = config.connections + 1
            case .zeroPipeline: config.pipeline = 0
            case .negativeRate: config.rate = -5
            case .zeroTimeout: config.timeout = .zero
            case .zeroStreams: config.http2 = true; config.streams = 0
            case .pipelineWithHTTP2: config.http2 = true; config.pipeline = 4
            case .caFileWithoutTLS: config.caFile = "/tmp/ca.pem"
            }
        }

        var message: String {
            switch self {
            case .noBound: "--duration or --requests"
            case .zeroRequests: "--requests must be positive"
            case .moreThreadsThanConnections: "--threads cannot exceed -c"
            case .zeroPipeline: "--pipeline"
            case .negativeRate: "--rate"
            case .zeroTimeout: "--timeout"
            case .zeroStreams: "--streams"
            case .pipelineWithHTTP2: "HTTP/2 takes --streams"
            case .caFileWithoutTLS: "--cacert needs an https://"
            }
        }
    }

    @Test(arguments: [
        // (url, --h2c / offer h2, protocol name, in flight per connection with pipeline 3 / streams 7)
        ("http://127.0.0.1:1/", false, "http/1.1", 3),
        ("http://127.0.0.1:1/", true, "h2c", 7),
        ("https://127.0.0.1:1/", true, "tls", 7),
        ("https://127.0.0.1:1/", false, "tls", 3),
    ])
    func protocolAndDepth(url: String, http2: Bool, name: String, inflight: Int) throws {
        var config = LoadConfiguration(target: try LoadTarget(url: url), scenario: .single(path: "/"))
        config.http2 = http2
        config.pipeline = http2 ? 1 : 3
        config.streams = 7
        config.duration = .seconds(1)
        try config.validate()
        #expect(config.protocolName == name)
        #expect(config.inflightPerConnection == inflight)
    }

    @Test(arguments: Mistake.allCases)
    func rejectsBadNumbers(mistake: Mistake) throws {
        var config = try Self.configuration()
        try config.validate()
        mistake.apply(to: &config)
        #expect {
            try config.validate()
        } throws: { error in
            "\(error)".contains(mistake.message)
        }
    }
}
