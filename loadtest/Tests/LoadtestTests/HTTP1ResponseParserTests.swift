import CLoadClient
import Testing

/// The C response parser, fed whole and byte by byte.
@Suite struct HTTP1ResponseParserTests {
    struct Outcome: Equatable {
        var result: Int
        var status: UInt16
        var close: Bool
        var consumed: Int
        var error: String
    }

    /// Feeds `text` in pieces of `step` bytes the way the client does (keeping what the
    /// parser did not consume), until a response is complete or fails.
    static func parse(_ text: String, head: Bool = false, step: Int = .max) -> Outcome {
        var parser = lc_h1_response_parser()
        lc_h1_response_begin(&parser, head ? 1 : 0, 4096)
        let bytes = Array(text.utf8)
        var pending: [UInt8] = []
        var offset = 0
        var total = 0
        while true {
            let piece = bytes[offset..<min(bytes.count, offset + max(1, min(step, bytes.count)))]
            offset += piece.count
            pending += piece
            var consumed = 0
            let result = pending.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { lc_h1_response_feed(&parser, $0.baseAddress, $0.count, &consumed) }
            }
            total += consumed
            pending.removeFirst(consumed)
            if Int(result) != LC_H1_MORE || offset >= bytes.count {
                return Outcome(result: Int(result), status: parser.status, close: parser.close != 0, consumed: total,
                               error: String(cString: lc_h1_error_name(Int32(parser.error))))
            }
        }
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, false),
        ("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", 404, false),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\n, w\r\n0\r\n\r\n", 200, false),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\nTrailer: yes\r\n\r\n", 200, false),
        ("HTTP/1.1 204 No Content\r\n\r\n", 204, false),
        ("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 304, false),
        ("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 500, true),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx", 201, false),
        ("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, true),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", 200, false),
        ("HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\nx", 200, false),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 200, false),
    ] as [(String, UInt16, Bool)])
    func completesValidResponses(text: String, status: UInt16, close: Bool) {
        for step in [Int.max, 1, 7] {
            let outcome = Self.parse(text, step: step)
            #expect(outcome == Outcome(result: LC_H1_DONE, status: status, close: close, consumed: text.utf8.count, error: "ok"),
                    "step \(step)")
        }
    }

    @Test func headResponsesHaveNoBody() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        #expect(Self.parse(text, head: true).result == LC_H1_DONE)
        #expect(Self.parse(text, head: false).result == LC_H1_MORE)
    }

    @Test func stopsAtTheEndOfOneResponse() {
        let one = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let outcome = Self.parse(one + "HTTP/1.1 200 OK\r\n")
        #expect(outcome.result == LC_H1_DONE)
        #expect(outcome.consumed == one.utf8.count, "the next response's bytes stay for the next parse")
    }

    @Test(arguments: [
        ("HTTP/2 200 OK\r\n\r\n", "bad_status_line"),
        ("HTTP/1.1 20 OK\r\n\r\n", "bad_status_line"),
        ("HTTP/1.1 200OK\r\n\r\n", "bad_status_line"),
        ("HTTP/1.1 099 Low\r\n\r\n", "bad_status_line"),
        ("http/1.1 200 OK\r\n\r\n", "bad_status_line"),
        ("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", "bad_header"),
        ("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", "bad_header"),
        ("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "bad_header"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad_content_length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", "bad_content_length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "bad_content_length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", "bad_content_length"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "bad_transfer_encoding"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad_chunk"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", "bad_chunk"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", "bad_chunk"),
        ("HTTP/1.1 101 Switching Protocols\r\n\r\n", "unexpected_upgrade"),
    ])
    func rejectsMalformedResponses(text: String, error: String) {
        for step in [Int.max, 1] {
            let outcome = Self.parse(text, step: step)
            #expect(outcome.result == LC_H1_ERROR && outcome.error == error, "step \(step): \(outcome)")
        }
    }

    @Test func refusesAHeadLargerThanTheBuffer() {
        let text = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 5000) + "\r\n\r\n"
        #expect(Self.parse(text).error == "head_too_large")
    }

    @Test func bodyUntilCloseEndsAtEOF() {
        var parser = lc_h1_response_parser()
        lc_h1_response_begin(&parser, 0, 4096)
        let text = Array("HTTP/1.1 200 OK\r\n\r\nsome body".utf8)
        var consumed = 0
        let result = text.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { lc_h1_response_feed(&parser, $0.baseAddress, $0.count, &consumed) }
        }
        #expect(Int(result) == LC_H1_MORE && consumed == text.count)
        #expect(Int(lc_h1_response_eof(&parser)) == LC_H1_DONE)
        #expect(parser.close != 0)
        var cut = lc_h1_response_parser()
        lc_h1_response_begin(&cut, 0, 4096)
        #expect(Int(lc_h1_response_eof(&cut)) == LC_H1_ERROR, "EOF before a head is not a response")
    }
}
