import Foundation
import Testing

/// Traces from the real binary to a real decoder: `orders serve --otlp-endpoint` exports
/// OTLP/HTTP protobuf that PyPI's opentelemetry-proto decodes (scripts/otlp-receiver.py);
/// the span tree, the trace taken from a traceparent, a new trace for an invalid one, the
/// HTTP attributes and error.type; and a collector that is down, failing or stalled never
/// touches the requests, while what it loses is counted.
@Suite(.serialized)
struct OTLPExportTests {
    static func spans(_ spans: [[String: Any]], trace: String) -> [[String: Any]] {
        spans.filter { $0["trace_id"] as? String == trace }
    }

    static func attributes(_ span: [String: Any]?) -> [String: Any] { span?["attributes"] as? [String: Any] ?? [:] }

    @Test func theSpanTreeOfARequestArrivesDecoded() throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)", "--fault", "slow-inventory"])
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let response = try Curl.run(["-H", "traceparent: 00-\(trace)-00f067aa0ba902b7-01", "-H", "tracestate: rojo=00f067aa0ba902b7",
                                     "http://127.0.0.1:\(server.port)/api/v1/order/map?ids=1,2"])
        #expect(response.status == 200)
        let all = receiver.waitForSpans { Self.spans($0, trace: trace).contains { $0["kind"] as? Int == 2 } }
        let mine = Self.spans(all, trace: trace)
        let root = try #require(mine.first { $0["kind"] as? Int == 2 }, "no server span:\n\(receiver.output)")
        #expect(root["name"] as? String == "GET /api/v1/order/map")
        #expect(root["parent_span_id"] as? String == "00f067aa0ba902b7")
        #expect(root["trace_state"] as? String == "rojo=00f067aa0ba902b7")
        #expect(root["service"] as? String == "orders")
        let attributes = Self.attributes(root)
        #expect(attributes["http.request.method"] as? String == "GET")
        #expect(attributes["http.route"] as? String == "/api/v1/order/map")
        #expect(attributes["url.path"] as? String == "/api/v1/order/map")
        #expect(attributes["network.protocol.version"] as? String == "1.1")
        #expect(attributes["server.port"] as? Int == server.port)
        #expect(attributes["http.response.status_code"] as? Int == 200)
        #expect(attributes["error.type"] == nil)
        let children = mine.filter { $0["parent_span_id"] as? String == root["span_id"] as? String }
        #expect(children.filter { $0["name"] as? String == "stock.validate" }.count == 2)
        let slow = try #require(children.first { Self.attributes($0)["inventory.fault"] as? String == "slow-inventory" })
        let slowNanos = (slow["end"] as? Int ?? 0) - (slow["start"] as? Int ?? 0)
        #expect(slowNanos >= 50_000_000, "the slow inventory read shows the fault's 50 ms")
        // The access-log line names the same trace.
        #expect(server.log.contains("trace_id=\(trace)"))
    }

    @Test(arguments: ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                      "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "garbage"])
    func anInvalidTraceparentStartsANewTraceWithTheRequestAnswered(traceparent: String) throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)"])
        let response = try Curl.run(["-H", "traceparent: \(traceparent)", "http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
        #expect(response.status == 200)
        let all = receiver.waitForSpans { $0.contains { $0["kind"] as? Int == 2 } }
        let root = try #require(all.first { $0["kind"] as? Int == 2 })
        #expect(root["trace_id"] as? String != "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect((root["trace_id"] as? String)?.count == 32)
        #expect(root["parent_span_id"] as? String == "")
    }

    @Test func aRecoveredPanicIsAnErrorSpanNamingItsType() throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)", "--fault", "missing-ok-check"])
        let trace = "4bf92f3577b34da6a3ce929d0e0e4799"
        let response = try Curl.run(["-H", "traceparent: 00-\(trace)-00f067aa0ba902b7-01",
                                     "http://127.0.0.1:\(server.port)/api/v1/order/map?ids=1,999999"])
        #expect(response.status == 500)
        let all = receiver.waitForSpans { Self.spans($0, trace: trace).contains { $0["kind"] as? Int == 2 } }
        let root = try #require(Self.spans(all, trace: trace).first { $0["kind"] as? Int == 2 })
        #expect(Self.attributes(root)["http.response.status_code"] as? Int == 500)
        #expect((Self.attributes(root)["error.type"] as? String)?.hasSuffix("OrderIntegrityError") == true)
        #expect(root["status"] as? Int == 2) // STATUS_CODE_ERROR
        #expect((root["events"] as? [String])?.contains("exception") == true)
    }

    @Test func sampledOffParentsAndZeroSamplingExportNothing() throws {
        let receiver = try OTLPReceiver()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)", "--trace-sampling", "0"])
        for _ in 0..<5 { _ = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=bob"]) }
        let trace = "4bf92f3577b34da6a3ce929d0e0e4742"
        _ = try Curl.run(["-H", "traceparent: 00-\(trace)-00f067aa0ba902b7-01", "http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=bob"])
        let all = receiver.waitForSpans { !Self.spans($0, trace: trace).isEmpty }
        // Ratio 0 keeps no new trace, but a sampled parent is honoured.
        #expect(all.allSatisfy { $0["trace_id"] as? String == trace }, "\(all.count) spans")
        #expect(Self.spans(all, trace: trace).contains { $0["kind"] as? Int == 2 })
    }

    /// A collector that is down, that answers 503, or that accepts and never reads: every
    /// request is answered as usual, and the spans it could not take are counted.
    /// (503 is retried with backoff before the batch is dropped; 400 is final at once.)
    /// Batches go over one kept connection; a collector that closes it between batches
    /// (without saying so) loses no batch: the next one goes over a fresh connection.
    /// 1,100 requests make two full batches (512 spans) and a part one.
    @Test(arguments: [false, true])
    func batchesShareAConnectionAndSurviveItsClose(collectorCloses: Bool) throws {
        let receiver = try OTLPReceiver(collectorCloses ? .closeSilently : .decode)
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)"])
        let url = "http://127.0.0.1:\(server.port)/plaintext"
        for _ in 0..<11 {
            let response = try Curl.run(Array(repeating: url, count: 100))
            #expect(response.status == 200)
        }
        let spans = receiver.waitForSpans { $0.count >= 1_100 }
        #expect(spans.count == 1_100, "\(spans.count) spans:\n\(receiver.output.suffix(2_000))")
        let metrics = try MetricsScrape.fetch(adminPort: server.adminPort)
        #expect(metrics.value("otel_spans_dropped_total") == 0)
        #expect(metrics.value("otel_spans_exported_total") == 1_100)
        if collectorCloses {
            #expect(receiver.connections >= 3, "each batch needed a connection of its own")
        } else {
            #expect(receiver.connections == 1)
        }
    }

    @Test(arguments: ["down", "503", "400", "stall"])
    func aBrokenCollectorNeverReachesTheRequests(kind: String) throws {
        let receiver: OTLPReceiver? = switch kind {
        case "503": try OTLPReceiver(.status(503))
        case "400": try OTLPReceiver(.status(400))
        case "stall": try OTLPReceiver(.stall)
        default: nil
        }
        let port = receiver?.port ?? Self.closedPort()
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(port)", "--otlp-timeout", "300"])
        var slowest = 0.0
        for _ in 0..<40 {
            let started = Date()
            let response = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
            #expect(response.status == 200)
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        #expect(slowest < 1.0, "a request waited \(slowest) s")
        let deadline = Date().addingTimeInterval(15)
        var dropped = 0.0
        while dropped < 40 && Date() < deadline {
            dropped = try MetricsScrape.fetch(adminPort: server.adminPort).value("otel_spans_dropped_total") ?? 0
            usleep(200_000)
        }
        #expect(dropped >= 40, "\(kind): dropped \(dropped)")
        #expect(try MetricsScrape.fetch(adminPort: server.adminPort).value("otel_spans_exported_total") == 0)
    }

    /// A collector that accepts and never reads, under 20,000 requests: the queue fills and
    /// stays full (4,096 spans), everything past it is dropped and counted, and the server's
    /// memory stops growing with it.
    @Test func aStalledCollectorUnderLoadKeepsMemoryBounded() throws {
        let receiver = try OTLPReceiver(.stall)
        let server = try ServerProcess(["--otlp-endpoint", "http://127.0.0.1:\(receiver.port)", "--otlp-timeout", "300"])
        let url = "http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"
        func load(_ count: Int) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/h2load")
            process.arguments = ["--h1", "-n", String(count), "-c", "8", url]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        func rssKilobytes() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        try load(6000) // fills the queue past its bound
        let before = try rssKilobytes()
        try load(20000)
        let after = try rssKilobytes()
        #expect(after - before < 16 * 1024, "RSS grew from \(before) kB to \(after) kB")
        let dropped = try MetricsScrape.fetch(adminPort: server.adminPort).value("otel_spans_dropped_total") ?? 0
        #expect(dropped >= 26000 - 4096 - 512, "dropped \(dropped) of 26,000")
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        close(fd)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
