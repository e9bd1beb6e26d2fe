// The chunked body decoder: valid and malformed bodies, each also fed split at every
// byte and one byte at a time, with new raw bytes appended after the decoded data.

import CEventShim
import Testing

struct ChunkedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var limits: ParserLimits = .standard
    var expected: ChunkedOutcome

    /// A valid body: `framing` decodes to `body`; `pipelined` bytes follow and stay unread.
    init(_ name: String, _ framing: String, body: String, pipelined: String = "", limits: ParserLimits = .standard) {
        self.name = name
        self.raw = Array((framing + pipelined).utf8)
        self.limits = limits
        self.expected = .complete(body: Array(body.utf8), consumed: framing.utf8.count)
    }

    /// A malformed body.
    init(_ name: String, _ raw: String, limits: ParserLimits = .standard, _ status: UInt16, _ code: String) {
        self.name = name
        self.raw = Array(raw.utf8)
        self.limits = limits
        self.expected = .failed(status: status, code: code)
    }

    var testDescription: String { name }
}

private let longExtension = "5;" + String(repeating: "a", count: 4100) + "\r\nhello\r\n0\r\n\r\n"
private let maxLineExtension = "5;" + String(repeating: "a", count: 4094) + "\r\nhello\r\n0\r\n\r\n"

let validChunkedCases: [ChunkedCase] = [
    ChunkedCase("single chunk", "5\r\nhello\r\n0\r\n\r\n", body: "hello"),
    ChunkedCase("empty body", "0\r\n\r\n", body: ""),
    ChunkedCase("many chunks", "3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n", body: "abcdef"),
    ChunkedCase("uppercase and lowercase hex", "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n",
                body: "0123456789abcdefghijk"),
    ChunkedCase("leading zeros", "0005\r\nhello\r\n0000\r\n\r\n", body: "hello"),
    ChunkedCase("sixteen digits", "0000000000000005\r\nhello\r\n0\r\n\r\n", body: "hello"),
    ChunkedCase("token extension", "5;name=value\r\nhello\r\n0\r\n\r\n", body: "hello"),
    ChunkedCase("extension without a value", "5;flag\r\nhello\r\n0;last\r\n\r\n", body: "hello"),
    ChunkedCase("quoted extension with escapes", "5;a=\"q v\\\"x;,\";b=c\r\nhello\r\n0\r\n\r\n", body: "hello"),
    ChunkedCase("extensions with BWS", "5 ; a = b \t;c\t=\t\"d\" ;e\r\nhello\r\n0\r\n\r\n", body: "hello"),
    ChunkedCase("trailer fields", "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nY:\r\n\r\n", body: "hello"),
    ChunkedCase("data holding CRLF and hex", "6\r\n\r\n5\r\n\r\r\n0\r\n\r\n", body: "\r\n5\r\n\r"),
    ChunkedCase("pipelined request after the body", "3\r\nabc\r\n0\r\n\r\n", body: "abc",
                pipelined: "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
    ChunkedCase("body exactly max_body", "4\r\nabcd\r\n6\r\nefghij\r\n0\r\n\r\n", body: "abcdefghij",
                limits: ParserLimits(maxBody: 10)),
    ChunkedCase("size line exactly 4096 bytes", maxLineExtension, body: "hello"),
    ChunkedCase("trailer section exactly max_header_block", "0\r\nA: 123\r\n\r\n", body: "",
                limits: ParserLimits(maxHeaderBlock: 10)),
    ChunkedCase("trailer count exactly max_header_count", "0\r\nA: 1\r\nB: 2\r\n\r\n", body: "",
                limits: ParserLimits(maxHeaderCount: 2)),
]

let malformedChunkedCases: [ChunkedCase] = [
    ChunkedCase("non-hex size", "G\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("no size digits", "\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("negative size", "-5\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("size followed by junk", "5x\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("space before the size", " 5\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("seventeen digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("size overflowing 64 bits", "10000000000000000\r\n", 400, "invalid_chunk_size"),
    ChunkedCase("data longer than the size", "5\r\nhelloX\r\n0\r\n\r\n", 400, "invalid_chunk_data_terminator"),
    ChunkedCase("data shorter than the size", "5\r\nhell\r\n0\r\n\r\n", 400, "invalid_chunk_data_terminator"),
    ChunkedCase("bare LF after data", "5\r\nhello\n0\r\n\r\n", 400, "invalid_chunk_data_terminator"),
    ChunkedCase("CR without LF after data", "5\r\nhello\rX0\r\n\r\n", 400, "invalid_chunk_data_terminator"),
    ChunkedCase("bare LF after the size", "5\nhello\r\n0\r\n\r\n", 400, "bare_lf"),
    ChunkedCase("bare CR after the size", "5\rhello\r\n0\r\n\r\n", 400, "bare_cr"),
    ChunkedCase("bare LF after an extension", "5;a=b\nhello\r\n0\r\n\r\n", 400, "bare_lf"),
    ChunkedCase("bare LF ending the body", "0\r\n\n", 400, "bare_lf"),
    ChunkedCase("bare CR ending the body", "0\r\n\rX", 400, "bare_cr"),
    ChunkedCase("semicolon without a name", "5;\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("extension value without a name", "5;=x\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("equals without a value", "5;a=\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("unterminated quoted value", "5;a=\"x\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("BWS after the size without an extension", "5 \r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("two words as a name", "5;a b\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("two words as a value", "5;a=b c\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("text after a quoted value", "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("separator in an extension name", "5;a@b\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("control character in a quoted value", "5;a=\"\u{1}\"\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk_extension"),
    ChunkedCase("size line over 4096 bytes", longExtension, 400, "chunk_line_too_long"),
    ChunkedCase("trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", 400, "obs_fold"),
    ChunkedCase("trailer without a colon", "0\r\nNoColon\r\n\r\n", 400, "missing_colon"),
    ChunkedCase("trailer whitespace before colon", "0\r\nX : a\r\n\r\n", 400, "whitespace_before_colon"),
    ChunkedCase("trailer with an empty name", "0\r\n: a\r\n\r\n", 400, "empty_header_name"),
    ChunkedCase("trailer name with a separator", "0\r\nX(Y): a\r\n\r\n", 400, "invalid_header_name"),
    ChunkedCase("trailer value with NUL", "0\r\nX: a\0\r\n\r\n", 400, "invalid_header_value"),
    ChunkedCase("trailer with a bare LF", "0\r\nX: a\n\r\n", 400, "bare_lf"),
    ChunkedCase("trailer with a bare CR", "0\r\nX: a\rb\r\n\r\n", 400, "bare_cr"),
    ChunkedCase("trailer section over max_header_block", "0\r\nA: 1234\r\n\r\n", limits: ParserLimits(maxHeaderBlock: 10),
                431, "trailer_section_too_large"),
    ChunkedCase("too many trailer fields", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: ParserLimits(maxHeaderCount: 2),
                431, "too_many_trailer_fields"),
    ChunkedCase("one chunk over max_body", "B\r\nhello world\r\n0\r\n\r\n", limits: ParserLimits(maxBody: 10),
                413, "content_too_large"),
    ChunkedCase("chunks adding up over max_body", "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n", limits: ParserLimits(maxBody: 10),
                413, "content_too_large"),
    ChunkedCase("largest size over max_body", "FFFFFFFFFFFFFFFF\r\n", 413, "content_too_large"),
]

@Suite("HTTP/1.1 chunked decoder")
struct HTTP1ChunkedDecoderTests {
    @Test("decodes valid bodies", arguments: validChunkedCases)
    func decodesValid(_ testCase: ChunkedCase) {
        #expect(decodeChunkedWhole(testCase.raw, limits: testCase.limits) == testCase.expected)
    }

    @Test("refuses malformed bodies", arguments: malformedChunkedCases)
    func refusesMalformed(_ testCase: ChunkedCase) {
        #expect(decodeChunkedWhole(testCase.raw, limits: testCase.limits) == testCase.expected)
    }

    @Test("same result when split into two calls at every byte",
          arguments: validChunkedCases + malformedChunkedCases)
    func splitAnywhere(_ testCase: ChunkedCase) {
        for split in 1..<testCase.raw.count {
            let outcome = decodeChunkedSplit(testCase.raw, at: split, limits: testCase.limits)
            if outcome != testCase.expected {
                Issue.record("split at \(split) gave \(outcome)")
                return
            }
        }
    }

    @Test("same result one byte at a time", arguments: validChunkedCases + malformedChunkedCases)
    func byteByByte(_ testCase: ChunkedCase) {
        #expect(decodeChunkedByteByByte(testCase.raw, limits: testCase.limits) == testCase.expected)
    }

    @Test("every prefix of a body is incomplete")
    func prefixesAreIncomplete() {
        let raw = Array(ascii: "3;x=\"y\"\r\nabc\r\n0\r\nT: v\r\n\r\n")
        for count in 1..<raw.count {
            let outcome = decodeChunkedWhole(Array(raw[0..<count]))
            guard case .incomplete = outcome else {
                Issue.record("prefix \(count) gave \(outcome)")
                return
            }
        }
    }

    @Test("data already at the front stays in place when no framing precedes it")
    func dataStaysInPlace() {
        var decoder = es_http1_chunked_decoder()
        var limits = es_http1_limits_default()
        var decoded = 0
        var consumed = 0
        var first = Array(ascii: "5\r\nhe")
        var rc = first.withUnsafeMutableBufferPointer {
            es_http1_chunked_decode(&decoder, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self),
                                    $0.count, &limits, &decoded, &consumed)
        }
        #expect(rc == ES_HTTP1_INCOMPLETE)
        #expect(decoded == 2 && consumed == 5 && Array(first[0..<2]) == Array(ascii: "he"))
        var second = Array(ascii: "llo\r\n0\r\n\r\n")
        rc = second.withUnsafeMutableBufferPointer {
            es_http1_chunked_decode(&decoder, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self),
                                    $0.count, &limits, &decoded, &consumed)
        }
        #expect(rc == ES_HTTP1_OK)
        #expect(decoded == 3 && consumed == second.count && Array(second[0..<3]) == Array(ascii: "llo"))
        #expect(decoder.body_bytes == 5)
    }
}
