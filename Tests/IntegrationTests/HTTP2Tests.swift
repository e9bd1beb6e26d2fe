import Foundation
import Testing

/// HTTP/2 against the real server: h2c by prior knowledge and by Upgrade, h2 over TLS by
/// ALPN, with real clients (curl, h2load) and a raw frame client for what no polite client
/// sends.
@Suite(.serialized)
struct HTTP2Tests {
    static let server = Result { try ServerProcess(try TestCertificate.serverArguments()) }

    /// How curl reaches the server.
    enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case priorKnowledge, upgrade, tls

        var testDescription: String { rawValue }

        func arguments(_ server: ServerProcess, path: String) throws -> [String] {
            switch self {
            case .priorKnowledge: return ["--http2-prior-knowledge", "http://127.0.0.1:\(server.port)\(path)"]
            case .upgrade: return ["--http2", "http://127.0.0.1:\(server.port)\(path)"]
            case .tls:
                let tlsPort = try #require(server.tlsPort)
                return ["--http2", "--cacert", try TestCertificate.files.get().certificate, "https://127.0.0.1:\(tlsPort)\(path)"]
            }
        }
    }

    /// Every route gives the same status and body over HTTP/2 as over HTTP/1.1.
    @Test(arguments: RouteTests.cases, Transport.allCases)
    func routeMatchesHTTP1(_ testCase: RouteTests.Case, transport: Transport) throws {
        let server = try Self.server.get()
        let http1 = try Curl.run(["-X", testCase.method, "http://127.0.0.1:\(server.port)\(testCase.path)"])
        let http2 = try Curl.run(["-X", testCase.method] + transport.arguments(server, path: testCase.path))
        #expect(http2.headers.contains("HTTP/2 \(testCase.status)"), "headers: \(http2.headers)")
        #expect(http2.status == http1.status)
        #expect(http2.body == http1.body)
        // With Upgrade, curl's header dump starts with the 101; the HTTP/2 answer follows it.
        let finalHeaders = http2.headers.components(separatedBy: "HTTP/2 ").last ?? ""
        let headers = finalHeaders.lowercased()
        if let contentType = testCase.contentType {
            #expect(headers.contains("content-type: \(contentType)"), "headers: \(http2.headers)")
        }
        if let header = testCase.header {
            #expect(headers.contains(header.lowercased()), "headers: \(http2.headers)")
        }
        #expect(headers.contains("server: orders\r\n"))
        #expect(!headers.contains("connection:"), "no connection-specific fields in HTTP/2")
    }

    /// Debug and metrics paths do not exist on the public listener over HTTP/2 either.
    @Test(arguments: ["/metrics", "/debug/tasks", "/debug/vars", "/debug/", "/debug/faults"], Transport.allCases)
    func debugPathsAre404OverHTTP2(_ path: String, transport: Transport) throws {
        let server = try Self.server.get()
        for method in ["GET", "POST"] {
            let result = try Curl.run(["-X", method] + transport.arguments(server, path: path))
            #expect(result.headers.contains("HTTP/2 404"), "\(method) \(path): \(result.headers)")
            #expect(!result.body.contains("task profile") && !result.body.contains("# TYPE"))
        }
    }

    @Test(arguments: Transport.allCases)
    func largeDownloadCrossesFlowControlWindows(_ transport: Transport) throws {
        let server = try Self.server.get()
        let size = 3 * 1024 * 1024 + 17  // ~48 times the default 64 KiB window
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("payload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try Curl.run(["-o", output.path] + transport.arguments(server, path: "/payload?size=\(size)"))
        #expect(result.status == 200)
        let bytes = try [UInt8](Data(contentsOf: output))
        #expect(bytes.count == size)
        #expect(bytes.enumerated().allSatisfy { $0.element == UInt8($0.offset % 251) }, "every byte arrived in order")
    }

    @Test(arguments: Transport.allCases)
    func largeUploadArrivesWhole(_ transport: Transport) throws {
        let server = try Self.server.get()
        var generator = SystemRandomNumberGenerator()
        let body = (0..<900_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(body).write(to: file)
        let result = try Curl.run(["--data-binary", "@\(file.path)", "-H", "content-type: application/octet-stream"]
                                  + transport.arguments(server, path: "/payload"))
        #expect(result.status == 200)
        let json = try #require(Curl.json(result.body))
        #expect(json["received"] as? Int == body.count)
        #expect(json["fnv1a64"] as? String == Self.hex16(Self.fnv1a64(body)))
    }

    @Test func uploadOverTheBodyLimitGets413() throws {
        let server = try Self.server.get()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: 0x61, count: 1024 * 1024 + 1).write(to: file)
        let result = try Curl.run(["--data-binary", "@\(file.path)"] + Transport.priorKnowledge.arguments(server, path: "/payload"))
        #expect(result.status == 413)
        #expect(Curl.json(result.body)?["error"] != nil, "body: \(result.body)")
        // The server is fine afterwards.
        #expect(try Curl.run(Transport.priorKnowledge.arguments(server, path: "/plaintext")).status == 200)
    }

    /// On one connection, every response carries its own request id, sent never-indexed
    /// (nghttp prints "sensitive") except the first, whose indexing puts the field's name
    /// in the HPACK table; later responses then refer to the name instead of spelling it.
    @Test func requestIDsAreNeverIndexedButTheirNameIs() throws {
        let server = try Self.server.get()
        let output = try Self.runTool("/usr/bin/nghttp", ["-nv", "-m", "4", "http://127.0.0.1:\(server.port)/plaintext"])
        let idLines = output.split(separator: "\n").filter { $0.contains("x-request-id:") }
        #expect(idLines.count == 4, "nghttp said:\n\(output)")
        let ids = idLines.compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(Set(ids).count == 4, "each response has its own id: \(ids)")
        #expect(idLines.first.map { !$0.contains("sensitive") } == true, "the first may be indexed")
        #expect(idLines.dropFirst().allSatisfy { $0.contains("sensitive") }, "the rest are never indexed: \(idLines)")
        let lengths = output.split(separator: "\n").filter { $0.contains("recv HEADERS frame") }.compactMap { line in
            line.split(separator: "length=").last?.split(separator: ",").first.flatMap { Int($0) }
        }
        #expect(lengths.count == 4)
        // With a literal name the block was 27 bytes; a referenced name makes it 18 (a new
        // Date second in between can add a literal, so the smallest is compared).
        #expect((lengths.dropFirst().min() ?? 99) <= 20, "HEADERS lengths: \(lengths)")
    }

    @Test(arguments: [false, true])
    func h2loadRunHasNoFailures(overTLS: Bool) throws {
        let server = try Self.server.get()
        let url = overTLS ? "https://127.0.0.1:\(try #require(server.tlsPort))/json" : "http://127.0.0.1:\(server.port)/json"
        let output = try Self.runTool("/usr/bin/h2load", ["-n", "4000", "-c", "8", "-m", "10", url])
        #expect(output.contains("4000 succeeded, 0 failed, 0 errored, 0 timeout"), "h2load said:\n\(output)")
        #expect(output.contains("status codes: 4000 2xx"))
        if overTLS { #expect(output.contains("Application protocol: h2")) }
    }

    /// A client that resets its stream stops the handler, and the registry keeps nothing.
    @Test func streamResetCancelsTheRequest() throws {
        let server = try ServerProcess(["--fault", "slow-inventory", "--slow-inventory-latency", "5000"])
        let connection = try H2Connection(port: server.port)
        try connection.sendGet("/api/v1/order/map?ids=1,2", stream: 1)
        #expect(try Self.waitFor { try Self.requestTasks(server) == 1 }, "the request is running")
        let running = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?debug=2&format=json&name=request"]).body))
        let labels = (running["tasks"] as? [[String: Any]])?.first?["labels"] as? [String: Any]
        #expect(labels?["stream_id"] as? String == "1", "labels: \(String(describing: labels))")
        #expect(labels?["route"] as? String == "/api/v1/order/map")
        try connection.sendReset(stream: 1)
        #expect(try Self.waitFor { try Self.requestTasks(server) == 0 }, "the reset cancelled the handler")
        // The connection still serves.
        try connection.sendGet("/plaintext", stream: 3)
        let answer = connection.readUntil { $0.type == H2Connection.headers && $0.streamID == 3 }
        #expect(answer != nil)
        let metrics = try MetricsScrape.fetch(adminPort: server.adminPort)
        #expect(metrics.sum("http_recovered_panics_total", [:]) == 0, "a cancelled request is not a panic")
        #expect(metrics.sum("http_request_duration_seconds_count", ["code": "499"]) == 1)
    }

    /// A client that shuts its sending side after its requests still gets every answer.
    @Test func halfClosedClientGetsItsAnswers() throws {
        let server = try ServerProcess(["--fault", "slow-inventory", "--slow-inventory-latency", "300"])
        let connection = try H2Connection(port: server.port)
        for stream: UInt32 in [1, 3, 5] { try connection.sendGet("/api/v1/order/map?ids=\(stream)", stream: stream) }
        connection.raw.shutdownWrite()
        var finished: Set<UInt32> = []
        while let frame = connection.readFrame() {
            if frame.flags & H2Connection.endStream != 0, frame.type == H2Connection.data || frame.type == H2Connection.headers {
                finished.insert(frame.streamID)
            }
        }
        #expect(finished == [1, 3, 5])
        #expect(connection.sawEOF, "closed once the answers were out")
    }

    /// A connection that closes mid-request cancels it too.
    @Test func closedConnectionCancelsTheRequest() throws {
        let server = try ServerProcess(["--fault", "slow-inventory", "--slow-inventory-latency", "5000"])
        do {
            let connection = try H2Connection(port: server.port)
            try connection.sendGet("/api/v1/order/map?ids=3", stream: 1)
            #expect(try Self.waitFor { try Self.requestTasks(server) == 1 })
        }
        #expect(try Self.waitFor { try Self.requestTasks(server) == 0 })
    }

    /// A protocol violation gets GOAWAY(PROTOCOL_ERROR) and a close; others carry on.
    @Test func protocolViolationGetsGoAwayAndClose() throws {
        let server = try Self.server.get()
        let bystander = try H2Connection(port: server.port)
        let offender = try H2Connection(port: server.port)
        // DATA on stream 0 is a connection error (RFC 9113 §6.1).
        try offender.send(H2Connection.frame(type: H2Connection.data, flags: 0, stream: 0, payload: [1, 2, 3]))
        let goAway = offender.readUntil { $0.type == H2Connection.goAway }
        #expect(goAway?.goAwayErrorCode == 1, "PROTOCOL_ERROR")
        #expect(offender.closedByServer())
        try bystander.sendGet("/plaintext", stream: 1)
        #expect(bystander.readUntil { $0.type == H2Connection.headers && $0.streamID == 1 } != nil)
    }

    /// Rapid reset (CVE-2023-44487): opening and resetting streams without end ends in
    /// GOAWAY(ENHANCE_YOUR_CALM) and a close.
    @Test func rapidResetFloodGetsGoAway() throws {
        let server = try Self.server.get()
        let attacker = try H2Connection(port: server.port, receiveTimeout: 10)
        var batch: [UInt8] = []
        for index in 0..<3000 {
            let stream = UInt32(2 * index + 1)
            let block = H2Connection.headerBlock([(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/plaintext")])
            batch += H2Connection.frame(type: H2Connection.headers, flags: H2Connection.endHeaders, stream: stream, payload: block)
            batch += H2Connection.frame(type: H2Connection.rstStream, flags: 0, stream: stream, payload: [0, 0, 0, 8])
        }
        try? attacker.send(batch)  // the server may close before taking it all
        let goAway = attacker.readUntil { $0.type == H2Connection.goAway }
        #expect(goAway?.goAwayErrorCode == 0xb, "ENHANCE_YOUR_CALM")
        #expect(attacker.closedByServer())
        #expect(try Curl.run(Transport.priorKnowledge.arguments(server, path: "/plaintext")).status == 200)
    }

    /// A header block that never ends (CVE-2024-28182): GOAWAY and a close after a few
    /// CONTINUATION frames, not unbounded buffering.
    @Test func continuationFloodGetsGoAway() throws {
        let server = try Self.server.get()
        let attacker = try H2Connection(port: server.port)
        let block = H2Connection.headerBlock([(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/plaintext")])
        var flood = H2Connection.frame(type: H2Connection.headers, flags: 0, stream: 1, payload: block)
        for _ in 0..<1000 {
            flood += H2Connection.frame(type: H2Connection.continuation, flags: 0, stream: 1,
                                        payload: H2Connection.headerBlock([("x-pad", "y")]))
        }
        try? attacker.send(flood)
        #expect(attacker.readUntil { $0.type == H2Connection.goAway } != nil)
        #expect(attacker.closedByServer())
        #expect(try Curl.run(Transport.priorKnowledge.arguments(server, path: "/plaintext")).status == 200)
    }

    /// A zero-size WINDOW_UPDATE on the connection is a connection error (RFC 9113 §6.9):
    /// GOAWAY(PROTOCOL_ERROR) and a close, while a bystander is served.
    @Test func zeroWindowUpdateGetsGoAway() throws {
        let server = try Self.server.get()
        let bystander = try H2Connection(port: server.port)
        let attacker = try H2Connection(port: server.port)
        try attacker.send(H2Connection.frame(type: H2Connection.windowUpdate, flags: 0, stream: 0, payload: [0, 0, 0, 0]))
        #expect(attacker.readUntil { $0.type == H2Connection.goAway }?.goAwayErrorCode == 1, "PROTOCOL_ERROR")
        #expect(attacker.closedByServer())
        try bystander.sendGet("/plaintext", stream: 1)
        #expect(bystander.readUntil { $0.type == H2Connection.headers && $0.streamID == 1 } != nil)
    }

    /// SETTINGS frames faster than their ACKs can leave: GOAWAY and a close.
    @Test func settingsFloodGetsGoAway() throws {
        let server = try Self.server.get()
        let attacker = try H2Connection(port: server.port)
        let settings = H2Connection.frame(type: H2Connection.settings, flags: 0, stream: 0, payload: [])
        var flood: [UInt8] = []
        for _ in 0..<20_000 { flood += settings }
        try? attacker.send(flood)
        let goAway = attacker.readUntil { $0.type == H2Connection.goAway }
        #expect(goAway?.goAwayErrorCode == 0xb, "ENHANCE_YOUR_CALM")
        #expect(attacker.closedByServer())
        #expect(try Curl.run(Transport.priorKnowledge.arguments(server, path: "/plaintext")).status == 200)
    }

    /// "MadeYouReset": streams that the server itself must reset (here, a WINDOW_UPDATE that
    /// overflows each stream's window, a stream error) do not let a client run unbounded
    /// handler work; GOAWAY(ENHANCE_YOUR_CALM).
    @Test func serverResetFloodGetsGoAway() throws {
        let server = try ServerProcess(["--fault", "slow-inventory", "--slow-inventory-latency", "2000"])
        let attacker = try H2Connection(port: server.port, receiveTimeout: 10)
        var flood: [UInt8] = []
        for index in 0..<400 {
            let stream = UInt32(2 * index + 1)
            let block = H2Connection.headerBlock([(":method", "GET"), (":scheme", "http"), (":authority", "x"),
                                                  (":path", "/api/v1/order/map?ids=1")])
            flood += H2Connection.frame(type: H2Connection.headers, flags: H2Connection.endHeaders | H2Connection.endStream,
                                        stream: stream, payload: block)
            flood += H2Connection.frame(type: H2Connection.windowUpdate, flags: 0, stream: stream, payload: [0x7f, 0xff, 0xff, 0xff])
        }
        try? attacker.send(flood)
        let goAway = attacker.readUntil { $0.type == H2Connection.goAway }
        #expect(goAway?.goAwayErrorCode == 0xb, "ENHANCE_YOUR_CALM")
        #expect(attacker.closedByServer())
        // The handlers the flood started were cancelled with the connection.
        #expect(try Self.waitFor { try Self.requestTasks(server) == 0 })
        #expect(try Curl.run(Transport.priorKnowledge.arguments(server, path: "/plaintext")).status == 200)
    }

    /// SIGTERM with streams open: GOAWAY goes out, every stream that started completes,
    /// and the process exits 0.
    @Test func shutdownFinishesOpenStreams() throws {
        let server = try ServerProcess(["--fault", "slow-inventory", "--slow-inventory-latency", "800"])
        let connection = try H2Connection(port: server.port, receiveTimeout: 10)
        let streams: [UInt32] = [1, 3, 5, 7, 9]
        for stream in streams { try connection.sendGet("/api/v1/order/map?ids=\(stream)", stream: stream) }
        #expect(try Self.waitFor { try Self.requestTasks(server) == streams.count })
        server.signal()
        var finished: Set<UInt32> = []
        var goAwayLastStreams: [UInt32] = []
        while let frame = connection.readFrame() {
            if frame.type == H2Connection.goAway {
                #expect(frame.goAwayErrorCode == 0)
                goAwayLastStreams.append(frame.payload[0..<4].reduce(0) { $0 << 8 | UInt32($1) } & 0x7fff_ffff)
            }
            if frame.flags & H2Connection.endStream != 0, frame.type == H2Connection.data || frame.type == H2Connection.headers {
                finished.insert(frame.streamID)
            }
        }
        // Two steps (RFC 9113 §6.8): a notice naming the highest stream id, then, once the
        // client answered a PING, the last stream processed.
        #expect(goAwayLastStreams == [0x7fff_ffff, 9])
        #expect(finished == Set(streams), "every started stream completed")
        #expect(server.waitForExit() == 0)
    }

    // MARK: - helpers

    static func requestTasks(_ server: ServerProcess) throws -> Int {
        let profile = try #require(Curl.json(try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/tasks?format=json&name=request"]).body))
        return profile["total"] as? Int ?? -1
    }

    /// Polls `condition` for up to `seconds`.
    static func waitFor(seconds: Double = 3, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    static func runTool(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    /// The digest as the route spells it: 16 hex digits, leading zeros kept.
    static func hex16(_ value: UInt64) -> String {
        String(format: "%016llx", value)
    }
}
