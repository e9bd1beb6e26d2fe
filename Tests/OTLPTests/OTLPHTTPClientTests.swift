@testable import OTLP
import Testing

/// What the exporter's client reads of a collector's answer: the status, and whether the
/// connection may carry the next batch (only when the body's length is known and nobody
/// asked to close).
struct OTLPHTTPClientTests {
    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 5\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 200, contentLength: 5, keepAlive: true)),
        ("HTTP/1.1 503 Service Unavailable\r\ncontent-length:0\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 503, contentLength: 0, keepAlive: true)),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive, Close\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 200, contentLength: 0, keepAlive: false)),
        ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 200, contentLength: 0, keepAlive: false)),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 200, contentLength: nil, keepAlive: false)),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 200, contentLength: nil, keepAlive: false)),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 200, contentLength: nil, keepAlive: false)),
        ("HTTP/1.1 204 No Content\r\n\r\n",
         OTLPHTTPClient.AnswerHead(status: 204, contentLength: 0, keepAlive: true)),
    ])
    func answerHeads(head: String, expected: OTLPHTTPClient.AnswerHead) throws {
        let bytes = Array(head.utf8)
        let end = try #require(OTLPHTTPClient.endOfHead(in: bytes))
        #expect(end == bytes.count)
        #expect(OTLPHTTPClient.parseHead(bytes[..<end]) == expected)
    }

    @Test(arguments: ["SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n"])
    func notAnAnswer(head: String) {
        #expect(OTLPHTTPClient.parseHead(Array(head.utf8)[...]) == nil)
    }

    @Test func theHeadEndsAtTheFirstBlankLine() {
        #expect(OTLPHTTPClient.endOfHead(in: Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n".utf8)) == nil)
        let answer = Array("HTTP/1.1 200 OK\r\n\r\nbody\r\n\r\n".utf8)
        #expect(OTLPHTTPClient.endOfHead(in: answer) == 19)
    }
}
