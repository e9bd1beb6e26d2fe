// Requests the parser must refuse, with the status and code it must give. Every case
// is also fed split at each byte boundary and one byte at a time, and must fail the
// same way.

import CEventShim
import Testing

struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var limits: ParserLimits = .standard
    var status: UInt16
    var code: String

    init(_ name: String, _ raw: String, limits: ParserLimits = .standard, _ status: UInt16, _ code: String) {
        self.init(name, bytes: Array(raw.utf8), limits: limits, status, code)
    }

    init(_ name: String, bytes: [UInt8], limits: ParserLimits = .standard, _ status: UInt16, _ code: String) {
        self.name = name
        self.raw = bytes
        self.limits = limits
        self.status = status
        self.code = code
    }

    var testDescription: String { "\(name) → \(status) \(code)" }
}

/// A request line "GET <target> HTTP/1.1" with a Host, for target checks.
private func get(_ target: String) -> String { "GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n" }

/// An HTTP/1.1 request with the given header lines after Host.
private func withHeaders(_ lines: String, method: String = "POST") -> String {
    "\(method) / HTTP/1.1\r\nHost: h\r\n\(lines)\r\n"
}

private let smallLine = ParserLimits(maxRequestLine: 16)

let malformedRequestCases: [MalformedCase] = [
    // Method
    MalformedCase("lowercase method is another token", "get / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "method_not_implemented"),
    MalformedCase("unknown method", "FOO / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "method_not_implemented"),
    MalformedCase("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501, "method_not_implemented"),
    MalformedCase("method longer than a known one", "GETS / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "method_not_implemented"),
    MalformedCase("method with a separator", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_method"),
    MalformedCase("NUL in method", "G\0ET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_method"),
    MalformedCase("obs-text in method", bytes: [0x47, 0xC9] + Array(" / HTTP/1.1\r\n\r\n".utf8), 400, "invalid_method"),
    MalformedCase("request line starts with a space", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_request_line"),
    MalformedCase("tab between method and target", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_method"),
    MalformedCase("method only", "GET\r\n\r\n", 400, "invalid_request_line"),

    // Request-line shape
    MalformedCase("double space before target", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_request_line"),
    MalformedCase("double space before version", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_request_line"),
    MalformedCase("trailing space after version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "invalid_request_line"),
    MalformedCase("HTTP/0.9 request", "GET /\r\n\r\n", 400, "missing_http_version"),
    MalformedCase("empty version", "GET / \r\nHost: h\r\n\r\n", 400, "invalid_http_version"),

    // Version
    MalformedCase("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "http_version_not_supported"),
    MalformedCase("HTTP/3.0", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505, "http_version_not_supported"),
    MalformedCase("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", 505, "http_version_not_supported"),
    MalformedCase("lowercase http", "GET / http/1.1\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),
    MalformedCase("two-digit minor", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),
    MalformedCase("no dot", "GET / HTTP/11\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),
    MalformedCase("no minor", "GET / HTTP/1\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),
    MalformedCase("letter minor", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),
    MalformedCase("HTTPS scheme as version", "GET / HTTPS/1.1\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),
    MalformedCase("CTL in version", "GET / HTTP/1.\u{1}\r\nHost: h\r\n\r\n", 400, "invalid_http_version"),

    // Target characters
    MalformedCase("double quote in target", get("/a\"b"), 400, "invalid_target"),
    MalformedCase("less-than in target", get("/a<b"), 400, "invalid_target"),
    MalformedCase("greater-than in target", get("/a>b"), 400, "invalid_target"),
    MalformedCase("backslash in target", get("/a\\b"), 400, "invalid_target"),
    MalformedCase("caret in target", get("/a^b"), 400, "invalid_target"),
    MalformedCase("backtick in target", get("/a`b"), 400, "invalid_target"),
    MalformedCase("braces in target", get("/a{b}"), 400, "invalid_target"),
    MalformedCase("pipe in target", get("/a|b"), 400, "invalid_target"),
    MalformedCase("fragment in target", get("/a#frag"), 400, "invalid_target"),
    MalformedCase("DEL in target", get("/a\u{7F}"), 400, "invalid_target"),
    MalformedCase("NUL in target", get("/a\0b"), 400, "invalid_target"),
    MalformedCase("tab in target", get("/a\tb"), 400, "invalid_target"),
    MalformedCase("obs-text in target", bytes: Array("GET /caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8),
                  400, "invalid_target"),
    MalformedCase("square bracket in origin-form path", get("/a[0]"), 400, "invalid_target"),
    MalformedCase("square bracket in absolute-form path", get("http://h/a]"), 400, "invalid_target"),
    MalformedCase("percent with one hex digit", get("/a%2"), 400, "invalid_percent_encoding"),
    MalformedCase("percent with non-hex digits", get("/a%zz"), 400, "invalid_percent_encoding"),
    MalformedCase("percent at the end of the query", get("/a?b=%"), 400, "invalid_percent_encoding"),

    // Target forms
    MalformedCase("authority-form with GET", get("example.com:443"), 400, "invalid_target_form"),
    MalformedCase("relative path", get("a/b"), 400, "invalid_target_form"),
    MalformedCase("asterisk with GET", get("*"), 400, "invalid_target_form"),
    MalformedCase("asterisk followed by more", "OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_target_form"),
    MalformedCase("ftp scheme", get("ftp://h/x"), 400, "invalid_target_form"),
    MalformedCase("http URI without a host", get("http:///x"), 400, "invalid_target_form"),
    MalformedCase("userinfo in absolute-form", get("http://user@h/x"), 400, "invalid_target_form"),
    MalformedCase("unclosed IP literal", get("http://[::1/x"), 400, "invalid_target_form"),
    MalformedCase("bad IPv6 literal", get("http://[1:2:3]/x"), 400, "invalid_target_form"),
    MalformedCase("non-digit port in absolute-form", get("http://h:8o/x"), 400, "invalid_target_form"),

    // Request line length
    MalformedCase("target over max_request_line", "GET /0123456789abc HTTP/1.1\r\n\r\n", limits: smallLine, 414, "uri_too_long"),
    MalformedCase("target over the limit, no CRLF yet", "GET /0123456789abcdefghijklmnop", limits: smallLine, 414, "uri_too_long"),
    MalformedCase("percent-encoding crosses the limit", "GET /0123456789%41", limits: smallLine, 414, "uri_too_long"),
    MalformedCase("method over max_request_line", "GETGETGETGETGETGET / HTTP/1.1\r\n\r\n", limits: smallLine, 400, "request_line_too_long"),
    MalformedCase("version crosses max_request_line", "GET /abc HTTP/1.1\r\n\r\n", limits: smallLine, 400, "request_line_too_long"),
    MalformedCase("too many leading empty lines", String(repeating: "\r\n", count: 9) + "GET / HTTP/1.0\r\n\r\n",
                  limits: smallLine, 400, "too_many_empty_lines"),

    // Line endings and control characters
    MalformedCase("bare LF after the request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", 400, "bare_lf"),
    MalformedCase("bare LF after a header", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400, "bare_lf"),
    MalformedCase("bare LF as the final line", "GET / HTTP/1.1\r\nHost: h\r\n\n", 400, "bare_lf"),
    MalformedCase("bare LF as a leading empty line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bare_lf"),
    MalformedCase("bare LF inside a name", "GET / HTTP/1.1\r\nHo\nst: h\r\n\r\n", 400, "bare_lf"),
    MalformedCase("bare CR after the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 400, "bare_cr"),
    MalformedCase("bare CR inside a value", "GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n", 400, "bare_cr"),
    MalformedCase("bare CR as the final line", "GET / HTTP/1.1\r\nHost: h\r\n\rX", 400, "bare_cr"),
    MalformedCase("CR CR LF ending a value", "GET / HTTP/1.1\r\nHost: h\r\r\n\r\n", 400, "bare_cr"),
    MalformedCase("NUL in a name", "GET / HTTP/1.1\r\nHost: h\r\nX\0Y: v\r\n\r\n", 400, "invalid_header_name"),
    MalformedCase("NUL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 400, "invalid_header_value"),
    MalformedCase("DEL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}\r\n\r\n", 400, "invalid_header_value"),
    MalformedCase("ESC in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1B}[0m\r\n\r\n", 400, "invalid_header_value"),

    // Header line syntax
    MalformedCase("whitespace before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "whitespace_before_colon"),
    MalformedCase("tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400, "whitespace_before_colon"),
    MalformedCase("line without a colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\n\r\n", 400, "missing_colon"),
    MalformedCase("empty name", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400, "empty_header_name"),
    MalformedCase("separator in a name", "GET / HTTP/1.1\r\nHost: h\r\nX(Y): v\r\n\r\n", 400, "invalid_header_name"),
    MalformedCase("line starting with a separator", "GET / HTTP/1.1\r\nHost: h\r\n@X: v\r\n\r\n", 400, "invalid_header_name"),
    MalformedCase("obs-fold with spaces", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n", 400, "obs_fold"),
    MalformedCase("obs-fold with a tab", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400, "obs_fold"),
    MalformedCase("whitespace before the first header", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, "obs_fold"),

    // Header section limits
    MalformedCase("header block over max_header_block",
                  "GET / HTTP/1.1\r\nHost: h\r\nX: 12345678\r\n\r\n", limits: ParserLimits(maxHeaderBlock: 23),
                  431, "header_block_too_large"),
    MalformedCase("header block over the limit, no end yet",
                  "GET / HTTP/1.1\r\nHost: h\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", limits: ParserLimits(maxHeaderBlock: 20),
                  431, "header_block_too_large"),
    MalformedCase("too many headers", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                  limits: ParserLimits(maxHeaderCount: 3), 431, "too_many_headers"),
    MalformedCase("101 headers with default limits", requestWithHeaders(101), 431, "too_many_headers"),

    // Content-Length
    MalformedCase("Content-Length with a plus sign", withHeaders("Content-Length: +5\r\n"), 400, "invalid_content_length"),
    MalformedCase("negative Content-Length", withHeaders("Content-Length: -5\r\n"), 400, "invalid_content_length"),
    MalformedCase("hex Content-Length", withHeaders("Content-Length: 0x10\r\n"), 400, "invalid_content_length"),
    MalformedCase("space inside Content-Length", withHeaders("Content-Length: 1 0\r\n"), 400, "invalid_content_length"),
    MalformedCase("empty Content-Length", withHeaders("Content-Length:\r\n"), 400, "invalid_content_length"),
    MalformedCase("Content-Length list", withHeaders("Content-Length: 5,5\r\n"), 400, "invalid_content_length"),
    MalformedCase("Content-Length list with OWS", withHeaders("Content-Length: 5, 5\r\n"), 400, "invalid_content_length"),
    MalformedCase("Content-Length over int64", withHeaders("Content-Length: 9223372036854775808\r\n"), 400, "invalid_content_length"),
    MalformedCase("decimal Content-Length", withHeaders("Content-Length: 1.0\r\n"), 400, "invalid_content_length"),
    MalformedCase("duplicate Content-Length, same value", withHeaders("Content-Length: 5\r\nContent-Length: 5\r\n"),
                  400, "duplicate_content_length"),
    MalformedCase("duplicate Content-Length, different values", withHeaders("Content-Length: 5\r\ncontent-length: 6\r\n"),
                  400, "duplicate_content_length"),
    MalformedCase("Content-Length over max_body", withHeaders("Content-Length: 11\r\n"), limits: ParserLimits(maxBody: 10),
                  413, "content_too_large"),
    MalformedCase("largest int64 Content-Length over max_body", withHeaders("Content-Length: 9223372036854775807\r\n"),
                  413, "content_too_large"),

    // Transfer-Encoding
    MalformedCase("Content-Length and Transfer-Encoding", withHeaders("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                  400, "content_length_and_transfer_encoding"),
    MalformedCase("Transfer-Encoding and Content-Length", withHeaders("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
                  400, "content_length_and_transfer_encoding"),
    // RFC 9112 §6.3: chunked is not the final coding of a request: 400, not 501
    MalformedCase("Transfer-Encoding gzip", withHeaders("Transfer-Encoding: gzip\r\n"), 400, "chunked_not_last"),
    MalformedCase("Transfer-Encoding identity", withHeaders("Transfer-Encoding: identity\r\n"), 400, "chunked_not_last"),
    MalformedCase("Transfer-Encoding chunk", withHeaders("Transfer-Encoding: chunk\r\n"), 400, "chunked_not_last"),
    MalformedCase("gzip with a parameter", withHeaders("Transfer-Encoding: gzip;level=1\r\n"), 400, "chunked_not_last"),
    MalformedCase("gzip in a second field after chunked", withHeaders("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"),
                  400, "chunked_not_last"),
    MalformedCase("deflate in a first field, chunked in a second", withHeaders("Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n"),
                  501, "unsupported_transfer_coding"),
    MalformedCase("gzip then chunked", withHeaders("Transfer-Encoding: gzip, chunked\r\n"), 501, "unsupported_transfer_coding"),
    MalformedCase("chunked with a parameter", withHeaders("Transfer-Encoding: chunked;x=1\r\n"), 501, "unsupported_transfer_coding"),
    MalformedCase("xchunked", withHeaders("Transfer-Encoding: xchunked\r\n"), 400, "chunked_not_last"),
    MalformedCase("chunked with a parameter, then gzip", withHeaders("Transfer-Encoding: chunked;x=1, gzip\r\n"), 400, "chunked_not_last"),
    MalformedCase("chunked twice in one field", withHeaders("Transfer-Encoding: chunked, chunked\r\n"), 400, "chunked_not_last"),
    MalformedCase("chunked twice in two fields", withHeaders("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
                  400, "chunked_not_last"),
    MalformedCase("chunked then gzip", withHeaders("Transfer-Encoding: chunked, gzip\r\n"), 400, "chunked_not_last"),
    // empty list members are ignored (RFC 9110 §5.6.1.2), so these lists hold no chunked
    MalformedCase("empty Transfer-Encoding", withHeaders("Transfer-Encoding:\r\n"), 400, "chunked_not_last"),
    MalformedCase("Transfer-Encoding of commas only", withHeaders("Transfer-Encoding: , ,\r\n"), 400, "chunked_not_last"),
    MalformedCase("empty member before gzip", withHeaders("Transfer-Encoding: , gzip\r\n"), 400, "chunked_not_last"),
    MalformedCase("empty member between chunked and gzip", withHeaders("Transfer-Encoding: chunked, , gzip\r\n"),
                  400, "chunked_not_last"),
    MalformedCase("parameter without a coding", withHeaders("Transfer-Encoding: ;x=1, chunked\r\n"), 400, "invalid_transfer_encoding"),
    MalformedCase("codings without a comma", withHeaders("Transfer-Encoding: gzip chunked\r\n"), 400, "invalid_transfer_encoding"),
    MalformedCase("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                  400, "transfer_encoding_in_http_1_0"),

    // Host
    MalformedCase("missing Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400, "missing_host"),
    MalformedCase("missing Host with absolute-form", "GET http://h/ HTTP/1.1\r\n\r\n", 400, "missing_host"),
    MalformedCase("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, "duplicate_host"),
    MalformedCase("duplicate Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400, "duplicate_host"),
    MalformedCase("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid_host"),
    MalformedCase("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "invalid_host"),
    MalformedCase("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, "invalid_host"),
    MalformedCase("Host with a named port", "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n", 400, "invalid_host"),
    MalformedCase("Host with two ports", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", 400, "invalid_host"),
    MalformedCase("Host with only a port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400, "invalid_host"),
    MalformedCase("unclosed IPv6 Host", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "invalid_host"),
    MalformedCase("bad IPv6 Host", "GET / HTTP/1.1\r\nHost: [::g]\r\n\r\n", 400, "invalid_host"),
    MalformedCase("IPv6 Host with two ::", "GET / HTTP/1.1\r\nHost: [1::2::3]\r\n\r\n", 400, "invalid_host"),
    MalformedCase("bad percent-encoding in Host", "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400, "invalid_host"),
    MalformedCase("obs-text in Host", bytes: Array("GET / HTTP/1.1\r\nHost: caf".utf8) + [0xC3, 0xA9] + Array("\r\n\r\n".utf8),
                  400, "invalid_host"),

    // Connection, Expect
    MalformedCase("Connection with a parameter", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close;x\r\n\r\n", 400, "invalid_connection"),
    MalformedCase("Expect other than 100-continue", "POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", 417, "expectation_failed"),
    MalformedCase("Expect list", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n", 417, "expectation_failed"),
    MalformedCase("100-continue with a parameter", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue;a=b\r\n\r\n",
                  417, "expectation_failed"),
    MalformedCase("unknown expectation after an empty member", "POST / HTTP/1.1\r\nHost: h\r\nExpect: , x\r\n\r\n",
                  417, "expectation_failed"),
    MalformedCase("quoted comma in an expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: a=\",100-continue\"\r\n\r\n",
                  417, "expectation_failed"),
]

@Suite("HTTP/1.1 parser: malformed requests")
struct HTTP1ParserMalformedTests {
    @Test("refuses with the right status and code", arguments: malformedRequestCases)
    func refuses(_ testCase: MalformedCase) {
        let outcome = parseWhole(testCase.raw, limits: testCase.limits)
        #expect(outcome == .failed(status: testCase.status, code: testCase.code))
    }

    @Test("same error when split into two calls at every byte", arguments: malformedRequestCases)
    func splitAnywhere(_ testCase: MalformedCase) {
        let expected = HeadOutcome.failed(status: testCase.status, code: testCase.code)
        let diverging = firstDivergingSplit(testCase.raw, expected: expected, limits: testCase.limits)
        #expect(diverging == nil, "split at \(diverging?.0 ?? -1) gave \(String(describing: diverging?.1))")
    }

    @Test("same error one byte at a time", arguments: malformedRequestCases)
    func byteByByte(_ testCase: MalformedCase) {
        #expect(parseByteByByte(testCase.raw, limits: testCase.limits)
                == .failed(status: testCase.status, code: testCase.code))
    }

    @Test("every error has a snake_case code and a message without a trailing period",
          arguments: malformedRequestCases)
    func errorTexts(_ testCase: MalformedCase) {
        var parser = es_http1_parser()
        var request = es_http1_request()
        var limits = testCase.limits.c
        var headers = [es_http1_header](repeating: es_http1_header(), count: 100)
        let rc = testCase.raw.withUnsafeBufferPointer { buffer in
            headers.withUnsafeMutableBufferPointer {
                es_http1_parse_head(&parser, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                                    buffer.count, &limits, &request, $0.baseAddress, UInt32($0.count))
            }
        }
        #expect(rc == ES_HTTP1_ERROR)
        let code = String(cString: parser.error.code)
        let message = String(cString: parser.error.message)
        #expect(code.allSatisfy { $0 == "_" || $0.isLowercase || $0.isNumber })
        #expect(!message.isEmpty && !message.hasSuffix("."))
    }

    @Test("an overlong target is refused as soon as the limit is crossed")
    func longTargetRefusedEarly() {
        // max 16: "GET /0123456789a" is 16 bytes; the 17th byte crosses the limit
        let raw = Array(ascii: "GET /0123456789ab")
        #expect(parseWhole(Array(raw.dropLast()), limits: smallLine) == .incomplete)
        #expect(parseWhole(raw, limits: smallLine) == .failed(status: 414, code: "uri_too_long"))
    }

    @Test("an overlong header block is refused before its line ends")
    func longHeaderBlockRefusedEarly() {
        let raw = Array(ascii: "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 30))
        let limits = ParserLimits(maxHeaderBlock: 20)
        #expect(parseWhole(Array(raw.prefix(16 + 20)), limits: limits) == .incomplete)
        #expect(parseWhole(Array(raw.prefix(16 + 21)), limits: limits)
                == .failed(status: 431, code: "header_block_too_large"))
    }

    @Test("a parser that failed keeps failing")
    func failedParserRepeats() {
        var parser = HeadParser()
        let raw = Array(ascii: "GET / HTTP/1.1\nHost: h\r\n\r\n")
        #expect(parser.feed(raw) == .failed(status: 400, code: "bare_lf"))
        #expect(parser.feed(raw) == .failed(status: 400, code: "bare_lf"))
    }
}
