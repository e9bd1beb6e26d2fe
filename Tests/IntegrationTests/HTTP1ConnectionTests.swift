import Foundation
import Testing

/// Connection behaviour over raw sockets: keep-alive, pipelining, chunked uploads,
/// 100-continue, HTTP/1.0, and closing after framing errors.
@Suite(.serialized)
struct HTTP1ConnectionTests {
    static let server = Result { try ServerProcess() }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        for path in ["/plaintext", "/json", "/healthz", "/plaintext"] {
            try connection.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let response = try #require(connection.readResponse())
            #expect(response.status == 200)
            #expect(response.header("Connection") == nil, "HTTP/1.1 keep-alive needs no Connection header")
        }
    }

    @Test func pipelinedResponsesComeBackInOrder() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        let paths = (0..<16).map { ["/plaintext", "/json", "/api/v1/order/map?ids=\($0 + 1)", "/nope"][$0 % 4] }
        try connection.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: localhost\r\n\r\n" }.joined())
        let responses = connection.readResponses(16)
        #expect(responses.count == 16)
        for (index, response) in responses.enumerated() {
            switch index % 4 {
            case 0: #expect(response.bodyText == "Hello, World!")
            case 1: #expect(response.bodyText == #"{"message":"Hello, World!"}"#)
            case 2: #expect(response.bodyText.contains(#""id":\#(index + 1),"#))
            default: #expect(response.status == 404)
            }
        }
    }

    @Test func chunkedUploadIsDecodedAndTheConnectionStaysInSync() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        let body = #"{"ids":[4,8,15]}"#
        let chunks = [String(body.prefix(5)), String(body.dropFirst(5).prefix(7)), String(body.dropFirst(12))]
        var request = "POST /api/v1/order/map HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for chunk in chunks { request += String(chunk.utf8.count, radix: 16) + ";ext=1\r\n" + chunk + "\r\n" }
        request += "0\r\nX-Trailer: yes\r\n\r\n"
        request += "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"
        try connection.send(request)
        let first = try #require(connection.readResponse())
        #expect(first.status == 200, "body: \(first.bodyText)")
        let ids = (Curl.json(first.bodyText)?["orders"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
        #expect(ids == [4, 8, 15])
        let second = try #require(connection.readResponse())
        #expect(second.bodyText == "Hello, World!")
    }

    @Test func contentLengthUploadSplitAcrossWrites() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        let body = #"{"ids":[1,2]}"#
        try connection.send("POST /api/v1/order/map HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body.prefix(4))")
        usleep(50_000)
        try connection.send(String(body.dropFirst(4)))
        let response = try #require(connection.readResponse())
        #expect(response.status == 200)
        #expect(response.bodyText.contains(#""id":2"#))
    }

    @Test func expectContinueGets100ThenTheAnswer() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        let body = #"{"ids":[9]}"#
        try connection.send("POST /api/v1/order/map HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        let interim = try #require(connection.readResponse())
        #expect(interim.status == 100)
        try connection.send(body)
        let final = try #require(connection.readResponse())
        #expect(final.status == 200)
        #expect(final.bodyText.contains(#""id":9"#))
    }

    @Test func curlUploadWithExpectContinue() throws {
        let port = try Self.server.get().port
        let result = try Curl.run(["-H", "Expect: 100-continue", "-H", "Content-Type: application/json",
                                   "--data-binary", #"{"ids":[3]}"#, "http://127.0.0.1:\(port)/api/v1/order/map"])
        #expect(result.status == 200)
        #expect(result.headers.contains("100 Continue"))
        #expect(result.body.contains(#""id":3"#))
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let port = try Self.server.get().port
        let plain = try RawConnection(port: port)
        try plain.send("GET /plaintext HTTP/1.0\r\n\r\n")
        let response = try #require(plain.readResponse())
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(plain.isClosedByServer())

        let kept = try RawConnection(port: port)
        try kept.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /json HTTP/1.0\r\n\r\n")
        let first = try #require(kept.readResponse())
        #expect(first.header("Connection") == "keep-alive")
        let second = try #require(kept.readResponse())
        #expect(second.status == 200)
        #expect(kept.isClosedByServer())
    }

    @Test func connectionCloseIsHonouredAndLaterPipelinedRequestsAreIgnored() throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        try connection.send("GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(connection.readResponse())
        #expect(response.header("Connection") == "close")
        #expect(connection.isClosedByServer())
        #expect(connection.unread.isEmpty, "nothing is answered after Connection: close")
    }

    struct FramingCase: CustomTestStringConvertible, Sendable {
        var name: String
        var request: String
        var status: Int
        var code: String
        var testDescription: String { name }
    }

    static let framingCases: [FramingCase] = [
        FramingCase(name: "CL and TE", request: "POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, code: "content_length_and_transfer_encoding"),
        FramingCase(name: "duplicate CL", request: "POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab", status: 400, code: "duplicate_content_length"),
        FramingCase(name: "obs-fold", request: "GET /plaintext HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", status: 400, code: "obs_fold"),
        FramingCase(name: "missing host", request: "GET /plaintext HTTP/1.1\r\n\r\n", status: 400, code: "missing_host"),
        FramingCase(name: "unknown coding", request: "POST /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501, code: "unsupported_transfer_coding"),
        FramingCase(name: "HTTP/2.0 line", request: "GET /plaintext HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, code: "http_version_not_supported"),
        FramingCase(name: "body too large", request: "POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", status: 413, code: "content_too_large"),
        FramingCase(name: "bad chunk size", request: "POST /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400, code: "invalid_chunk_size"),
    ]

    /// After a framing error the server answers with the parser's verdict, then closes;
    /// a request smuggled behind it is never answered.
    @Test(arguments: framingCases)
    func framingErrorAnswersThenCloses(_ testCase: FramingCase) throws {
        let connection = try RawConnection(port: try Self.server.get().port)
        try connection.send(testCase.request + "GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(connection.readResponse())
        #expect(response.status == testCase.status)
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains(#""code":"\#(testCase.code)""#), "body: \(response.bodyText)")
        #expect(connection.isClosedByServer())
        #expect(connection.readResponse() == nil, "the request behind the bad one is not answered")
    }

    @Test func badRequestDoesNotHarmOtherConnections() throws {
        let port = try Self.server.get().port
        let good = try RawConnection(port: port)
        let bad = try RawConnection(port: port)
        try bad.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
        #expect(bad.readResponse()?.status == 400)
        try good.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(good.readResponse()?.status == 200)
    }
}

/// Regressions for defects found in review; each once crashed or hung the server.
@Suite(.serialized)
struct HTTP1RegressionTests {
    /// An absolute-form target without a path makes the parser point `path` at a static
    /// "/"; growing the read buffer for a large body once moved that pointer too.
    @Test func absoluteFormWithoutPathAndLargeBody() throws {
        let server = try ServerProcess()
        let connection = try RawConnection(port: server.port)
        let body = String(repeating: "x", count: 100_000)
        try connection.send("POST http://a HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        let response = try #require(connection.readResponse())
        #expect(response.status == 404)
        let after = try RawConnection(port: server.port)
        try after.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(after.readResponse()?.status == 200, "the server is still alive")
    }

    /// A pipelined request dispatched after an earlier answer arrived late used to leave
    /// its handler's timer unseen until another connection woke the loop.
    @Test func pipelinedRequestsWhoseHandlersSuspend() throws {
        let server = try ServerProcess(["--inventory-latency", "50", "--inventory-cache-ttl", "0"])
        let connection = try RawConnection(port: server.port, receiveTimeout: 5)
        let start = Date()
        let statuses = try connection.pipeline(Array(repeating: "/api/v1/order/map?ids=1", count: 3), depth: 3)
        #expect(statuses == [200, 200, 200])
        #expect(Date().timeIntervalSince(start) < 3)
    }

    /// Parsing pauses above 256 KiB of unsent answers; it must resume once they drain.
    @Test func pipelinedLargeResponsesAllAnswered() throws {
        let server = try ServerProcess()
        let connection = try RawConnection(port: server.port, receiveTimeout: 5)
        let ids = (1...40).map(String.init).joined(separator: ",")
        let statuses = try connection.pipeline(Array(repeating: "/api/v1/order/map?ids=\(ids)", count: 100), depth: 100)
        #expect(statuses.count == 100)
        #expect(statuses.allSatisfy { $0 == 200 })
    }
}
