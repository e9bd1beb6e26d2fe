// Requests the parser must accept, with the fields it must report. Every case is also
// fed split at each byte boundary and one byte at a time, and must parse identically.

import CEventShim
import Testing

struct ValidCase: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var limits: ParserLimits = .standard
    var method = "GET"
    var versionMinor: UInt8 = 1
    var flags: UInt8 = RequestFlag.keepAlive
    var target: String?
    var path = "/"
    var query: String?
    var authority = ""
    var contentLength: Int64 = -1
    var headers: [ParsedHeader]?
    var headerCount: Int?
    /// Defaults to the whole input: most cases are exactly one head.
    var headLength: Int?

    var testDescription: String { name }
}

private let hundredHeaders = requestWithHeaders(100)
private let longLineTarget = "/" + String(repeating: "a", count: 64 - "GET  HTTP/1.1".count - 1)

let validRequestCases: [ValidCase] = [
    ValidCase(name: "GET with a query",
              raw: .init(ascii: "GET /search?q=swift&page=2 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
              target: "/search?q=swift&page=2", path: "/search", query: "q=swift&page=2",
              authority: "example.com", headers: [ParsedHeader("Host", "example.com")]),
    ValidCase(name: "empty query after ?",
              raw: .init(ascii: "GET /a? HTTP/1.1\r\nHost: h\r\n\r\n"),
              path: "/a", query: "", authority: "h"),
    ValidCase(name: "HEAD",
              raw: .init(ascii: "HEAD /index.html HTTP/1.1\r\nHost: h\r\n\r\n"),
              method: "HEAD", path: "/index.html", authority: "h"),
    ValidCase(name: "POST with Content-Length and the body after the head",
              raw: .init(ascii: "POST /orders HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"),
              method: "POST", path: "/orders", authority: "h", contentLength: 5,
              headerCount: 2, headLength: 53),
    ValidCase(name: "PUT, DELETE-like Content-Length: 0",
              raw: .init(ascii: "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
              method: "PUT", path: "/x", authority: "h", contentLength: 0),
    ValidCase(name: "Content-Length with leading zeros",
              raw: .init(ascii: "PATCH /x HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n"),
              method: "PATCH", path: "/x", authority: "h", contentLength: 7),
    ValidCase(name: "Content-Length exactly max_body",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"),
              limits: ParserLimits(maxBody: 10), method: "POST", authority: "h", contentLength: 10),
    ValidCase(name: "chunked POST",
              raw: .init(ascii: "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.chunked, path: "/up", authority: "h"),
    ValidCase(name: "Transfer-Encoding chunked in another case with OWS",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\ntransfer-encoding:  ChUnKeD \t\r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.chunked, authority: "h"),
    // RFC 9110 §5.6.1.2: a recipient MUST ignore empty list members
    ValidCase(name: "Transfer-Encoding with an empty member after chunked",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked,\r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.chunked, authority: "h"),
    ValidCase(name: "Transfer-Encoding with empty members before chunked",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , ,chunked , \r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.chunked, authority: "h"),
    ValidCase(name: "an empty Transfer-Encoding field, then chunked",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.chunked, authority: "h"),
    ValidCase(name: "HTTP/1.0 without keep-alive and without Host",
              raw: .init(ascii: "GET / HTTP/1.0\r\n\r\n"),
              versionMinor: 0, flags: 0, headerCount: 0),
    ValidCase(name: "HTTP/1.0 with Connection: keep-alive",
              raw: .init(ascii: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
              versionMinor: 0, flags: RequestFlag.keepAlive),
    ValidCase(name: "HTTP/1.0 with keep-alive and close",
              raw: .init(ascii: "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"),
              versionMinor: 0, flags: 0),
    ValidCase(name: "HTTP/1.1 with Connection: close",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
              flags: 0, authority: "h"),
    ValidCase(name: "Connection list with empty members and other tokens",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: h\r\nConnection: , Upgrade ,,CLOSE\r\nUpgrade: websocket\r\n\r\n"),
              flags: RequestFlag.upgrade, authority: "h"),
    ValidCase(name: "absolute-form http",
              raw: .init(ascii: "GET http://example.com/a/b?c=d HTTP/1.1\r\nHost: other.example\r\n\r\n"),
              flags: RequestFlag.keepAlive | RequestFlag.absoluteForm, target: "http://example.com/a/b?c=d",
              path: "/a/b", query: "c=d", authority: "example.com"),
    ValidCase(name: "absolute-form https with port and uppercase scheme",
              raw: .init(ascii: "GET HTTPS://Example.COM:8443/x HTTP/1.1\r\nHost: h\r\n\r\n"),
              flags: RequestFlag.keepAlive | RequestFlag.absoluteForm, path: "/x", authority: "Example.COM:8443"),
    ValidCase(name: "absolute-form without a path",
              raw: .init(ascii: "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"),
              flags: RequestFlag.keepAlive | RequestFlag.absoluteForm, path: "/", authority: "example.com"),
    ValidCase(name: "absolute-form IPv6 literal, query, no path",
              raw: .init(ascii: "GET http://[::1]:8080?x=1 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
              flags: RequestFlag.keepAlive | RequestFlag.absoluteForm, path: "/", query: "x=1",
              authority: "[::1]:8080"),
    ValidCase(name: "OPTIONS *",
              raw: .init(ascii: "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
              method: "OPTIONS", flags: RequestFlag.keepAlive | RequestFlag.asteriskForm, path: "*", authority: "h"),
    ValidCase(name: "Expect: 100-continue",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.expectContinue, authority: "h", contentLength: 3),
    ValidCase(name: "Expect: 100-continue with empty members",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: , 100-continue ,\r\n\r\n"),
              method: "POST", flags: RequestFlag.keepAlive | RequestFlag.expectContinue, authority: "h", contentLength: 3),
    ValidCase(name: "an empty Expect asks for nothing",
              raw: .init(ascii: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect:\r\n\r\n"),
              method: "POST", authority: "h", contentLength: 3),
    ValidCase(name: "Expect: 100-continue is ignored in HTTP/1.0",
              raw: .init(ascii: "POST / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"),
              method: "POST", versionMinor: 0, flags: 0, contentLength: 3),
    ValidCase(name: "leading empty lines count in head_len",
              raw: .init(ascii: "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
              authority: "h", headLength: 31),
    ValidCase(name: "obs-text in a value",
              raw: Array(ascii: "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf") + [0xC3, 0xA9, 0xFF, 0x80]
                  + Array(ascii: "\r\n\r\n"),
              authority: "h",
              headers: [ParsedHeader("Host", "h"),
                        ParsedHeader(name: "X-Name", valueBytes: Array(ascii: "caf") + [0xC3, 0xA9, 0xFF, 0x80])]),
    ValidCase(name: "empty Host on HTTP/1.1",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost:\r\n\r\n"),
              headers: [ParsedHeader("Host", "")]),
    ValidCase(name: "IPv6 Host with port",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n"),
              authority: "[2001:db8::1]:8080"),
    ValidCase(name: "IPv6 Host with embedded IPv4",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]\r\n\r\n"),
              authority: "[::ffff:192.0.2.1]"),
    ValidCase(name: "IPvFuture Host",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: [v1.fe80::a+en1]\r\n\r\n"),
              authority: "[v1.fe80::a+en1]"),
    ValidCase(name: "IPv4 Host with port, reg-name with percent-encoding elsewhere",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: 192.0.2.7:80\r\n\r\n"),
              authority: "192.0.2.7:80"),
    ValidCase(name: "percent-encoded reg-name Host",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: ex%41mple.com\r\n\r\n"),
              authority: "ex%41mple.com"),
    ValidCase(name: "HTTP/1.2 is read as 1.1",
              raw: .init(ascii: "GET / HTTP/1.2\r\nHost: h\r\n\r\n"),
              authority: "h"),
    ValidCase(name: "HTTP/1.9 is read as 1.1",
              raw: .init(ascii: "GET / HTTP/1.9\r\nHost: h\r\nConnection: close\r\n\r\n"),
              flags: 0, authority: "h"),
    ValidCase(name: "mixed-case header names, case kept",
              raw: .init(ascii: "POST / HTTP/1.1\r\nhOsT: h\r\ncOnTeNt-LeNgTh: 3\r\n\r\n"),
              method: "POST", authority: "h", contentLength: 3,
              headers: [ParsedHeader("hOsT", "h"), ParsedHeader("cOnTeNt-LeNgTh", "3")]),
    ValidCase(name: "Upgrade",
              raw: .init(ascii: "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
              flags: RequestFlag.keepAlive | RequestFlag.upgrade, path: "/ws", authority: "h"),
    ValidCase(name: "100 headers exactly at the limit",
              raw: .init(ascii: hundredHeaders), authority: "example.com", headerCount: 100),
    ValidCase(name: "request line exactly at max_request_line",
              raw: .init(ascii: "GET \(longLineTarget) HTTP/1.1\r\nHost: h\r\n\r\n"),
              limits: ParserLimits(maxRequestLine: 64), path: longLineTarget, authority: "h"),
    ValidCase(name: "header block exactly at max_header_block",
              // "Host: h\r\n" (9) + "X: 1234567\r\n" (12) + "\r\n" (2) = 23
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: h\r\nX: 1234567\r\n\r\n"),
              limits: ParserLimits(maxHeaderBlock: 23), authority: "h"),
    ValidCase(name: "header count exactly at a small max_header_count",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"),
              limits: ParserLimits(maxHeaderCount: 3), authority: "h", headerCount: 3),
    ValidCase(name: "OWS around values is removed, inner whitespace kept",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a \t b \t \r\nX-Empty:\r\nX-Blank:   \r\n\r\n"),
              authority: "h",
              headers: [ParsedHeader("Host", "h"), ParsedHeader("X-A", "a \t b"),
                        ParsedHeader("X-Empty", ""), ParsedHeader("X-Blank", "")]),
    ValidCase(name: "percent-encoded and sub-delim target characters",
              raw: .init(ascii: "GET /a%20b%2f:@!$&'()*+,;=-._~?x=%41/?:@ HTTP/1.1\r\nHost: h\r\n\r\n"),
              path: "/a%20b%2f:@!$&'()*+,;=-._~", query: "x=%41/?:@", authority: "h"),
    ValidCase(name: "pipelined request after the head",
              raw: .init(ascii: "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
              path: "/1", authority: "h", headLength: 28),
    ValidCase(name: "DELETE",
              raw: .init(ascii: "DELETE /orders/7 HTTP/1.1\r\nHost: h\r\n\r\n"),
              method: "DELETE", path: "/orders/7", authority: "h"),
    ValidCase(name: "TRACE",
              raw: .init(ascii: "TRACE / HTTP/1.1\r\nHost: h\r\n\r\n"),
              method: "TRACE", authority: "h"),
    ValidCase(name: "shortest request",
              raw: .init(ascii: "GET / HTTP/1.0\r\n\r\n"), versionMinor: 0, flags: 0),
    ValidCase(name: "tab and symbols inside a value",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: h\r\nX-Q: \"a\tb\" <c> {d}\r\n\r\n"),
              authority: "h",
              headers: [ParsedHeader("Host", "h"), ParsedHeader("X-Q", "\"a\tb\" <c> {d}")]),
    ValidCase(name: "token symbols in a header name",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09aZ: v\r\n\r\n"),
              authority: "h",
              headers: [ParsedHeader("Host", "h"), ParsedHeader("!#$%&'*+-.^_`|~09aZ", "v")]),
    ValidCase(name: "Host with empty port",
              raw: .init(ascii: "GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n"),
              authority: "example.com:"),
]

@Suite("HTTP/1.1 parser: valid requests")
struct HTTP1ParserValidTests {
    @Test("parses the fields", arguments: validRequestCases)
    func parsesFields(_ testCase: ValidCase) throws {
        let outcome = parseWhole(testCase.raw, limits: testCase.limits)
        guard case .complete(let request) = outcome else {
            Issue.record("expected a complete head, got \(outcome)")
            return
        }
        #expect(request.method == testCase.method)
        #expect(request.versionMinor == testCase.versionMinor)
        #expect(request.flags == testCase.flags)
        #expect(request.path == testCase.path)
        #expect(request.query == testCase.query)
        #expect(request.authority == testCase.authority)
        #expect(request.contentLength == testCase.contentLength)
        #expect(request.headLength == (testCase.headLength ?? testCase.raw.count))
        if let target = testCase.target { #expect(request.target == target) }
        if let headers = testCase.headers { #expect(request.headers == headers) }
        if let count = testCase.headerCount { #expect(request.headers.count == count) }
    }

    @Test("same result when split into two calls at every byte", arguments: validRequestCases)
    func splitAnywhere(_ testCase: ValidCase) {
        let whole = parseWhole(testCase.raw, limits: testCase.limits)
        let diverging = firstDivergingSplit(testCase.raw, expected: whole, limits: testCase.limits)
        #expect(diverging == nil, "split at \(diverging?.0 ?? -1) gave \(String(describing: diverging?.1))")
    }

    @Test("same result one byte at a time", arguments: validRequestCases)
    func byteByByte(_ testCase: ValidCase) {
        let whole = parseWhole(testCase.raw, limits: testCase.limits)
        #expect(parseByteByByte(testCase.raw, limits: testCase.limits) == whole)
    }

    @Test("every prefix of a head is incomplete, not an error")
    func prefixesAreIncomplete() {
        let raw = Array(ascii: "\r\nPOST http://h:1/p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n")
        for count in 0..<raw.count {
            #expect(parseWhole(Array(raw[0..<count])) == .incomplete, "prefix \(count)")
        }
    }

    @Test("the header array points into the caller's buffer")
    func headersPointIntoBuffer() {
        let raw = Array(ascii: "GET / HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n")
        var parser = es_http1_parser()
        var request = es_http1_request()
        var limits = es_http1_limits_default()
        var headers = [es_http1_header](repeating: es_http1_header(), count: 100)
        raw.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let rc = headers.withUnsafeMutableBufferPointer {
                es_http1_parse_head(&parser, base, buffer.count, &limits, &request, $0.baseAddress, 100)
            }
            #expect(rc == ES_HTTP1_OK)
            #expect(request.header_count == 2)
            #expect(request.path == base + 4)
            #expect(request.authority == base + 22)
            #expect(headers[1].name == base + 25)
            #expect(headers[1].value == base + 28)
        }
    }

    @Test("a parser that completed answers the same again")
    func completedParserRepeats() {
        let raw = Array(ascii: "GET /x HTTP/1.1\r\nHost: h\r\n\r\n")
        var parser = HeadParser()
        let first = parser.feed(raw)
        #expect(parser.feed(raw) == first)
    }

    @Test("reset makes a parser reusable")
    func resetReuses() {
        var parser = es_http1_parser()
        var request = es_http1_request()
        var headers = [es_http1_header](repeating: es_http1_header(), count: 100)
        var limits = es_http1_limits_default()
        for text in ["GET /a HTTP/1.1\r\nHost: h\r\n\r\n", "POST /b HTTP/1.0\r\n\r\n"] {
            es_http1_parser_reset(&parser)
            let raw = Array(ascii: text)
            let rc = raw.withUnsafeBufferPointer { buffer in
                headers.withUnsafeMutableBufferPointer {
                    es_http1_parse_head(&parser, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                                        buffer.count, &limits, &request, $0.baseAddress, 100)
                }
            }
            #expect(rc == ES_HTTP1_OK)
        }
        #expect(request.method == ES_METHOD_POST)
    }

    @Test("method names", arguments: [
        (ES_METHOD_GET, "GET"), (ES_METHOD_HEAD, "HEAD"), (ES_METHOD_POST, "POST"),
        (ES_METHOD_PUT, "PUT"), (ES_METHOD_DELETE, "DELETE"),
        (ES_METHOD_OPTIONS, "OPTIONS"), (ES_METHOD_PATCH, "PATCH"),
        (ES_METHOD_TRACE, "TRACE"),
    ])
    func methodNames(_ method: es_method, _ name: String) {
        #expect(String(cString: es_method_name(method)) == name)
    }

    @Test("default limits")
    func defaultLimits() {
        let limits = es_http1_limits_default()
        #expect(limits.max_request_line == 8192)
        #expect(limits.max_header_block == 16384)
        #expect(limits.max_header_count == 100)
        #expect(limits.max_body == 1 << 20)
    }
}
