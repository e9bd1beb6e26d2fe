import Foundation
import Testing

// Malformed-input and smuggling suite (issue 6): raw bytes against the live server.
//
// Every case states the exact statuses the server must answer, whether it must close the
// connection afterwards, and (for errors the shim produces) the error code. Every error
// response must carry a JSON body of the documented shape that echoes no raw input. When
// the connection must stay open, one more valid request is sent and exactly one more
// response must come back, and then nothing: a request smuggled past the framing would
// show up as an extra response.
//
// Where the server and RFC 9110/9112 disagree, the case asserts what the RFC requires; the
// section is cited next to the case.

/// One raw-byte case.
struct MalformedInputCase: Sendable, CustomTestStringConvertible {
    enum Category: String, Sendable {
        case smuggling = "CL.TE/TE.CL"
        case contentLength = "Content-Length"
        case transferEncoding = "Transfer-Encoding"
        case fieldSyntax = "field syntax"
        case lineEndings = "CR/LF"
        case controlBytes = "NUL/CTL"
        case chunked = "chunked"
        case limits = "limits"
        case host = "Host"
        case requestLine = "request line"
        case methods = "methods"
        case bodies = "bodies"
        case connection = "Connection"
        case expect = "Expect"
        case echo = "echo"
    }

    /// Bytes to send, then the statuses that must come back for them (none: silence).
    struct Step: Sendable {
        var bytes: [UInt8]
        var statuses: [Int]
    }

    var category: Category
    var name: String
    var steps: [Step]
    /// The server must close the connection after the last expected response.
    var closes: Bool
    /// The error code of the last error response, when it is known.
    var code: String?
    /// A substring that the first final response's body must contain.
    var bodyContains: String?
    /// The first request is HEAD (its response has no body).
    var head = false

    var testDescription: String { "\(category.rawValue): \(name)" }

    /// The server answers `statuses` and keeps the connection open.
    static func open(_ category: Category, _ name: String, _ raw: String, _ statuses: [Int],
                     code: String? = nil, contains: String? = nil, head: Bool = false) -> Self {
        open(category, name, bytes: Array(raw.utf8), statuses, code: code, contains: contains, head: head)
    }

    static func open(_ category: Category, _ name: String, bytes: [UInt8], _ statuses: [Int],
                     code: String? = nil, contains: String? = nil, head: Bool = false) -> Self {
        Self(category: category, name: name, steps: [Step(bytes: bytes, statuses: statuses)], closes: false,
             code: code, bodyContains: contains, head: head)
    }

    /// The server refuses with one error response, then closes.
    static func refused(_ category: Category, _ name: String, _ raw: String, _ status: Int, _ code: String) -> Self {
        refused(category, name, bytes: Array(raw.utf8), status, code)
    }

    static func refused(_ category: Category, _ name: String, bytes: [UInt8], _ status: Int, _ code: String) -> Self {
        Self(category: category, name: name, steps: [Step(bytes: bytes, statuses: [status])], closes: true, code: code)
    }

    /// The server answers `statuses`, then closes.
    static func closing(_ category: Category, _ name: String, _ raw: String, _ statuses: [Int],
                        code: String? = nil, contains: String? = nil) -> Self {
        Self(category: category, name: name, steps: [Step(bytes: Array(raw.utf8), statuses: statuses)], closes: true,
             code: code, bodyContains: contains)
    }

    /// Several sends, each with its own expected statuses.
    static func steps(_ category: Category, _ name: String, _ steps: [(String, [Int])], closes: Bool,
                      code: String? = nil, contains: String? = nil) -> Self {
        Self(category: category, name: name, steps: steps.map { Step(bytes: Array($0.0.utf8), statuses: $0.1) },
             closes: closes, code: code, bodyContains: contains)
    }
}

// MARK: - Building blocks

private typealias C = MalformedInputCase

/// The request that follows every case whose connection stays open.
private let followUp = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"
/// A request that must never be answered when it rides inside a body or after a refusal.
private let inner = "GET /json HTTP/1.1\r\nHost: x\r\n\r\n"
private let ids = #"{"ids":[1]}"#
private let order1 = #""id":1,"#
private let chunkedTE = "Transfer-Encoding: chunked\r\n"
private let jsonType = "Content-Type: application/json\r\n"

/// "GET target HTTP/1.1" with Host and `headers` (each ending in CRLF), then `body`.
private func get(_ target: String = "/plaintext", _ headers: String = "", body: String = "") -> String {
    "GET \(target) HTTP/1.1\r\nHost: x\r\n\(headers)\r\n\(body)"
}

/// "POST target HTTP/1.1" with Host and `headers`, then `body`.
private func post(_ target: String, _ headers: String, body: String = "") -> String {
    "POST \(target) HTTP/1.1\r\nHost: x\r\n\(headers)\r\n\(body)"
}

/// A POST of `raw` chunked bytes to the order map, as JSON.
private func postChunked(_ raw: String, extraHeaders: String = "") -> String {
    post("/api/v1/order/map", "\(jsonType)\(chunkedTE)\(extraHeaders)", body: raw)
}

/// A POST of the order-map JSON with a Content-Length header written as `value`.
private func postLength(_ value: String, body: String = ids) -> String {
    post("/api/v1/order/map", "\(jsonType)Content-Length: \(value)\r\n", body: body)
}

/// One chunk: hex size, optional extension, CRLF, data, CRLF.
private func chunk(_ data: String, ext: String = "") -> String {
    "\(String(data.utf8.count, radix: 16))\(ext)\r\n\(data)\r\n"
}

/// The order-map JSON in two chunks, then the last chunk and an empty trailer section.
private let idsChunked = chunk(#"{"ids""#) + chunk(":[1]}") + "0\r\n\r\n"

private func bytes(_ parts: [Any]) -> [UInt8] {
    var out: [UInt8] = []
    for part in parts {
        if let text = part as? String { out += Array(text.utf8) } else if let raw = part as? [UInt8] { out += raw }
    }
    return out
}

private func repeated(_ text: String, _ count: Int) -> String { String(repeating: text, count: count) }

// MARK: - Cases

extension MalformedInputCase {
    static let smuggling: [MalformedInputCase] = [
        .refused(.smuggling, "CL.TE: Content-Length then Transfer-Encoding",
                 post("/plaintext", "Content-Length: 6\r\n\(chunkedTE)", body: "0\r\n\r\nG"),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "TE.CL: Transfer-Encoding then Content-Length",
                 post("/plaintext", "\(chunkedTE)Content-Length: 3\r\n", body: "8\r\nSMUGGLED\r\n0\r\n\r\n"),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "CL.TE with a whole request hidden after the last chunk",
                 post("/plaintext", "Content-Length: \(5 + inner.utf8.count)\r\n\(chunkedTE)", body: "0\r\n\r\n" + inner),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "TE.CL with a whole request inside the chunk",
                 post("/plaintext", "\(chunkedTE)Content-Length: 4\r\n", body: chunk(inner) + "0\r\n\r\n"),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "TE.TE: chunked then xchunked, with Content-Length",
                 post("/plaintext", "\(chunkedTE)Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.smuggling, "Content-Length: 0 with chunked",
                 post("/plaintext", "Content-Length: 0\r\n\(chunkedTE)", body: "0\r\n\r\n"),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "lowercase transfer-encoding with Content-Length",
                 post("/plaintext", "Content-Length: 5\r\ntransfer-encoding: chunked\r\n", body: "0\r\n\r\n"),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "CL.TE in HTTP/1.0",
                 "POST /plaintext HTTP/1.0\r\nContent-Length: 5\r\n\(chunkedTE)\r\n0\r\n\r\n",
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "unknown coding and Content-Length",
                 post("/plaintext", "Transfer-Encoding: identity\r\nContent-Length: 5\r\n", body: "hello"),
                 400, "content_length_and_transfer_encoding"),
        .refused(.smuggling, "two Content-Length fields hiding a request",
                 post("/plaintext", "Content-Length: 0\r\nContent-Length: \(inner.utf8.count)\r\n", body: inner),
                 400, "duplicate_content_length"),
        .refused(.smuggling, "Content-Length list hiding a request",
                 post("/plaintext", "Content-Length: 0, \(inner.utf8.count)\r\n", body: inner),
                 400, "invalid_content_length"),
        .refused(.smuggling, "no empty line after the last chunk: the next request is read as a trailer",
                 get("/plaintext", chunkedTE, body: "0\r\n" + inner),
                 400, "whitespace_before_colon"),
        .refused(.smuggling, "a chunk cut short by a pipelined request",
                 get("/plaintext", chunkedTE, body: "5\r\nab" + inner),
                 400, "invalid_chunk_data_terminator"),
        .open(.smuggling, "a request inside a chunk is data, not a request",
              get("/plaintext", chunkedTE, body: chunk(inner) + "0\r\n\r\n"), [200]),
        .open(.smuggling, "a request inside a Content-Length body is data, not a request",
              get("/plaintext", "Content-Length: \(inner.utf8.count)\r\n", body: inner), [200]),
        .open(.smuggling, "bytes after Content-Length are the next request, answered once",
              get("/plaintext", "Content-Length: 3\r\n", body: "abc" + inner), [200, 200]),
        .open(.smuggling, "bytes after the last chunk are the next request, answered once",
              postChunked(idsChunked + inner), [200, 200], contains: order1),
        .open(.smuggling, "Content-Length in a trailer is ignored",
              postChunked(chunk(ids) + "0\r\nContent-Length: 40\r\n\r\n"), [200], contains: order1),
        .open(.smuggling, "Transfer-Encoding in a trailer is ignored",
              postChunked(chunk(ids) + "0\r\nTransfer-Encoding: chunked\r\n\r\n"), [200], contains: order1),
        .open(.smuggling, "Transfer_Encoding (underscore) is another field; Content-Length frames",
              get("/plaintext", "Transfer_Encoding: chunked\r\nContent-Length: 5\r\n", body: "0\r\n\r\n"), [200]),
    ]

    static let contentLength: [MalformedInputCase] = [
        .refused(.contentLength, "plus sign", postLength("+11"), 400, "invalid_content_length"),
        .refused(.contentLength, "minus sign", postLength("-11"), 400, "invalid_content_length"),
        .refused(.contentLength, "negative zero", postLength("-0", body: ""), 400, "invalid_content_length"),
        .refused(.contentLength, "hex", postLength("0xb"), 400, "invalid_content_length"),
        .refused(.contentLength, "list of equal values", postLength("11,11"), 400, "invalid_content_length"),
        .refused(.contentLength, "list with OWS", postLength("11, 11"), 400, "invalid_content_length"),
        .refused(.contentLength, "trailing comma", postLength("11,"), 400, "invalid_content_length"),
        .refused(.contentLength, "empty", postLength(""), 400, "invalid_content_length"),
        .refused(.contentLength, "space inside", postLength("1 1"), 400, "invalid_content_length"),
        .refused(.contentLength, "decimal point", postLength("11.0"), 400, "invalid_content_length"),
        .refused(.contentLength, "exponent", postLength("1e1"), 400, "invalid_content_length"),
        .refused(.contentLength, "letters", postLength("eleven"), 400, "invalid_content_length"),
        .refused(.contentLength, "overflows int64", postLength("9223372036854775808"), 400, "invalid_content_length"),
        .refused(.contentLength, "overflows uint64", postLength("99999999999999999999999"), 400, "invalid_content_length"),
        .refused(.contentLength, "fullwidth digit five", bytes: bytes(["POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: ", [0xEF, 0xBC, 0x95] as [UInt8], "\r\n\r\nhello"]),
                 400, "invalid_content_length"),
        .refused(.contentLength, "duplicate, same value",
                 post("/api/v1/order/map", "\(jsonType)Content-Length: 11\r\nContent-Length: 11\r\n", body: ids),
                 400, "duplicate_content_length"),
        .refused(.contentLength, "duplicate, different values",
                 post("/api/v1/order/map", "\(jsonType)Content-Length: 11\r\ncontent-length: 5\r\n", body: ids),
                 400, "duplicate_content_length"),
        .refused(.contentLength, "vertical tab after the digits", postLength("11\u{0B}"), 400, "invalid_header_value"),
        .refused(.contentLength, "NUL after the digits", postLength("11\0"), 400, "invalid_header_value"),
        .open(.contentLength, "no space after the colon", postLength("11").replacingOccurrences(of: "Length: ", with: "Length:"),
              [200], contains: order1),
        .open(.contentLength, "OWS around the value", postLength(" \t11 \t"), [200], contains: order1),
        .open(.contentLength, "leading zeros", postLength("0011"), [200], contains: order1),
        .open(.contentLength, "uppercase field name",
              post("/api/v1/order/map", "\(jsonType)CONTENT-LENGTH: 11\r\n", body: ids), [200], contains: order1),
        .open(.contentLength, "zero on GET", get("/plaintext", "Content-Length: 0\r\n"), [200]),
    ]

    static let transferEncoding: [MalformedInputCase] = [
        .open(.transferEncoding, "chunked", postChunked(idsChunked), [200], contains: order1),
        .open(.transferEncoding, "chunked with trailing space",
              post("/api/v1/order/map", "\(jsonType)Transfer-Encoding: chunked \r\n", body: idsChunked), [200], contains: order1),
        .open(.transferEncoding, "chunked after a tab",
              post("/api/v1/order/map", "\(jsonType)Transfer-Encoding:\tchunked\r\n", body: idsChunked), [200], contains: order1),
        .open(.transferEncoding, "CHUNKED in uppercase (codings are case-insensitive)",
              post("/api/v1/order/map", "\(jsonType)Transfer-Encoding: CHUNKED\r\n", body: idsChunked), [200], contains: order1),
        .open(.transferEncoding, "TRANSFER-ENCODING in uppercase",
              post("/api/v1/order/map", "\(jsonType)TRANSFER-ENCODING: chunked\r\n", body: idsChunked), [200], contains: order1),
        .open(.transferEncoding, "chunked on GET", get("/plaintext", chunkedTE, body: "0\r\n\r\n"), [200]),
        .open(.transferEncoding, "TE: trailers is not Transfer-Encoding", get("/plaintext", "TE: trailers\r\n"), [200]),
        // RFC 9112 §6.3: chunked not final in a request: MUST 400, then close.
        .refused(.transferEncoding, "xchunked", post("/plaintext", "Transfer-Encoding: xchunked\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "chunk (truncated name)", post("/plaintext", "Transfer-Encoding: chunk\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "gzip alone", post("/plaintext", "Transfer-Encoding: gzip\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "identity alone", post("/plaintext", "Transfer-Encoding: identity\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "chunked, identity", post("/plaintext", "Transfer-Encoding: chunked, identity\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "chunked, chunked", post("/plaintext", "Transfer-Encoding: chunked, chunked\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "chunked in two fields",
                 post("/plaintext", "\(chunkedTE)\(chunkedTE)", body: "0\r\n\r\n"), 400, "chunked_not_last"),
        .refused(.transferEncoding, "chunked then identity in two fields",
                 post("/plaintext", "\(chunkedTE)Transfer-Encoding: identity\r\n", body: "0\r\n\r\n"), 400, "chunked_not_last"),
        // RFC 9112 §6.1: a coding the server does not understand, chunked final: 501.
        .refused(.transferEncoding, "gzip, chunked", post("/plaintext", "Transfer-Encoding: gzip, chunked\r\n", body: "0\r\n\r\n"),
                 501, "unsupported_transfer_coding"),
        .refused(.transferEncoding, "identity, chunked", post("/plaintext", "Transfer-Encoding: identity, chunked\r\n", body: "0\r\n\r\n"),
                 501, "unsupported_transfer_coding"),
        .refused(.transferEncoding, "deflate then chunked in two fields",
                 post("/plaintext", "Transfer-Encoding: deflate\r\n\(chunkedTE)", body: "0\r\n\r\n"), 501, "unsupported_transfer_coding"),
        .refused(.transferEncoding, "space before the colon", post("/plaintext", "Transfer-Encoding : chunked\r\n", body: "0\r\n\r\n"),
                 400, "whitespace_before_colon"),
        .refused(.transferEncoding, "tab before the colon", post("/plaintext", "Transfer-Encoding\t: chunked\r\n", body: "0\r\n\r\n"),
                 400, "whitespace_before_colon"),
        .refused(.transferEncoding, "leading space on the first field line",
                 "POST /plaintext HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: x\r\n\r\n0\r\n\r\n", 400, "obs_fold"),
        .refused(.transferEncoding, "folded onto the previous line",
                 post("/plaintext", "X-A: 1\r\n Transfer-Encoding: chunked\r\n", body: "0\r\n\r\n"), 400, "obs_fold"),
        .refused(.transferEncoding, "vertical tab before the colon",
                 post("/plaintext", "Transfer-Encoding\u{0B}: chunked\r\n", body: "0\r\n\r\n"), 400, "invalid_header_name"),
        .refused(.transferEncoding, "vertical tab before the value",
                 post("/plaintext", "Transfer-Encoding: \u{0B}chunked\r\n", body: "0\r\n\r\n"), 400, "invalid_header_value"),
        .refused(.transferEncoding, "form feed after the value",
                 post("/plaintext", "Transfer-Encoding: chunked\u{0C}\r\n", body: "0\r\n\r\n"), 400, "invalid_header_value"),
        .refused(.transferEncoding, "NUL after the value",
                 post("/plaintext", "Transfer-Encoding: chunked\0\r\n", body: "0\r\n\r\n"), 400, "invalid_header_value"),
        .refused(.transferEncoding, "obs-text after chunked", bytes: bytes(["POST /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", [0xFF] as [UInt8], "\r\n\r\n0\r\n\r\n"]),
                 400, "invalid_transfer_encoding"),
        // RFC 9110 §5.6.1.2: empty list members are ignored, so an empty field has no chunked.
        .refused(.transferEncoding, "empty value", post("/plaintext", "Transfer-Encoding:\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .refused(.transferEncoding, "commas only", post("/plaintext", "Transfer-Encoding: , ,\r\n", body: "0\r\n\r\n"),
                 400, "chunked_not_last"),
        .open(.transferEncoding, "chunked with an empty member after it",
              post("/api/v1/order/map", "\(jsonType)Transfer-Encoding: chunked,\r\n", body: idsChunked), [200], contains: order1),
        .open(.transferEncoding, "chunked with empty members before it",
              post("/api/v1/order/map", "\(jsonType)Transfer-Encoding: , ,chunked\r\n", body: idsChunked), [200], contains: order1),
        .open(.transferEncoding, "an empty field, then chunked",
              post("/api/v1/order/map", "\(jsonType)Transfer-Encoding:\r\n\(chunkedTE)", body: idsChunked), [200], contains: order1),
        .refused(.transferEncoding, "a parameter without a coding",
                 post("/plaintext", "Transfer-Encoding: ;x=1, chunked\r\n", body: "0\r\n\r\n"), 400, "invalid_transfer_encoding"),
        .refused(.transferEncoding, "quoted chunked", post("/plaintext", "Transfer-Encoding: \"chunked\"\r\n", body: "0\r\n\r\n"),
                 400, "invalid_transfer_encoding"),
        .refused(.transferEncoding, "two codings without a comma", post("/plaintext", "Transfer-Encoding: gzip chunked\r\n", body: "0\r\n\r\n"),
                 400, "invalid_transfer_encoding"),
        // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after.
        .refused(.transferEncoding, "chunked in HTTP/1.0",
                 "POST /plaintext HTTP/1.0\r\n\(chunkedTE)\r\n0\r\n\r\n", 400, "transfer_encoding_in_http_1_0"),
        .refused(.transferEncoding, "chunked in HTTP/1.0 with keep-alive",
                 "POST /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\(chunkedTE)\r\n0\r\n\r\n", 400, "transfer_encoding_in_http_1_0"),
        .open(.transferEncoding, "chunked in HTTP/1.2 (read as 1.1)",
              "POST /api/v1/order/map HTTP/1.2\r\nHost: x\r\n\(jsonType)\(chunkedTE)\r\n\(idsChunked)", [200], contains: order1),
    ]

    static let fieldSyntax: [MalformedInputCase] = [
        .refused(.fieldSyntax, "obs-fold with spaces", get("/plaintext", "X-A: 1\r\n  folded\r\n"), 400, "obs_fold"),
        .refused(.fieldSyntax, "obs-fold with a tab", get("/plaintext", "X-A: 1\r\n\tfolded\r\n"), 400, "obs_fold"),
        .refused(.fieldSyntax, "obs-fold continuing Host", "GET /plaintext HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", 400, "obs_fold"),
        .refused(.fieldSyntax, "obs-fold continuing Content-Length",
                 post("/plaintext", "Content-Length: 1\r\n 1\r\n", body: "hello world"), 400, "obs_fold"),
        .refused(.fieldSyntax, "space before the colon (Host)", "GET /plaintext HTTP/1.1\r\nHost : x\r\n\r\n", 400, "whitespace_before_colon"),
        .refused(.fieldSyntax, "space before the colon (Content-Length)",
                 post("/plaintext", "Content-Length : 5\r\n", body: "hello"), 400, "whitespace_before_colon"),
        .refused(.fieldSyntax, "tab before the colon", get("/plaintext", "X-A\t: 1\r\n"), 400, "whitespace_before_colon"),
        .refused(.fieldSyntax, "two spaces before the colon", get("/plaintext", "X-A  : 1\r\n"), 400, "whitespace_before_colon"),
        .refused(.fieldSyntax, "space inside a field name", get("/plaintext", "X A: 1\r\n"), 400, "whitespace_before_colon"),
        .refused(.fieldSyntax, "line without a colon", get("/plaintext", "NoColonHere\r\n"), 400, "missing_colon"),
        .refused(.fieldSyntax, "empty field name", get("/plaintext", ": value\r\n"), 400, "empty_header_name"),
        .refused(.fieldSyntax, "separator in a field name", get("/plaintext", "X(A): 1\r\n"), 400, "invalid_header_name"),
        .refused(.fieldSyntax, "slash in a field name", get("/plaintext", "X/A: 1\r\n"), 400, "invalid_header_name"),
        .refused(.fieldSyntax, "obs-text in a field name", bytes: bytes(["GET /plaintext HTTP/1.1\r\nHost: x\r\nX-", [0xC3, 0xA9] as [UInt8], ": 1\r\n\r\n"]),
                 400, "invalid_header_name"),
        .open(.fieldSyntax, "OWS around a value", "GET /plaintext HTTP/1.1\r\nHost: \t x \t\r\n\r\n", [200]),
        .open(.fieldSyntax, "empty field value", get("/plaintext", "X-Empty:\r\n"), [200]),
        .open(.fieldSyntax, "obs-text in a field value", bytes: bytes(["GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Name: caf", [0xC3, 0xA9, 0xFF] as [UInt8], "\r\n\r\n"]),
              [200]),
        .open(.fieldSyntax, "every tchar in a field name", get("/plaintext", "!#$%&'*+-.^_`|~09azAZ: 1\r\n"), [200]),
        .open(.fieldSyntax, "Upgrade is ignored", get("/plaintext", "Connection: Upgrade\r\nUpgrade: h2c\r\n"), [200]),
    ]

    static let lineEndings: [MalformedInputCase] = [
        .refused(.lineEndings, "LF-only request", "GET /plaintext HTTP/1.1\nHost: x\n\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF after a field", "GET /plaintext HTTP/1.1\r\nHost: x\n\r\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF as the final line", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF before the request line", "\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF in the method", "GE\nT /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF in the target", "GET /plain\ntext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF in a field name", "GET /plaintext HTTP/1.1\r\nHo\nst: x\r\n\r\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare LF in a field value", "GET /plaintext HTTP/1.1\r\nHost: x\r\nX-A: 1\n2\r\n\r\n", 400, "bare_lf"),
        .refused(.lineEndings, "bare CR after the request line", "GET /plaintext HTTP/1.1\rHost: x\r\n\r\n", 400, "bare_cr"),
        .refused(.lineEndings, "bare CR in a field value", "GET /plaintext HTTP/1.1\r\nHost: x\r\nX-A: 1\r2\r\n\r\n", 400, "bare_cr"),
        .refused(.lineEndings, "bare CR as the final line", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\rX", 400, "bare_cr"),
        .refused(.lineEndings, "CR CR LF", "GET /plaintext HTTP/1.1\r\nHost: x\r\r\n\r\n", 400, "bare_cr"),
        .refused(.lineEndings, "bare CR before the request line", "\rGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bare_cr"),
        .refused(.lineEndings, "bare CR in the method", "GE\rT /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.lineEndings, "bare CR in the target", "GET /plain\rtext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "missing_http_version"),
        .refused(.lineEndings, "bare CR in a field name", "GET /plaintext HTTP/1.1\r\nHo\rst: x\r\n\r\n", 400, "missing_colon"),
        .refused(.lineEndings, "bare LF in a chunk size line", get("/plaintext", chunkedTE, body: "5\nhello\r\n0\r\n\r\n"), 400, "bare_lf"),
        .refused(.lineEndings, "bare LF after chunk data", get("/plaintext", chunkedTE, body: "5\r\nhello\n0\r\n\r\n"),
                 400, "invalid_chunk_data_terminator"),
        .refused(.lineEndings, "bare CR after chunk data", get("/plaintext", chunkedTE, body: "5\r\nhello\r0\r\n\r\n"),
                 400, "invalid_chunk_data_terminator"),
        .refused(.lineEndings, "bare CR in a chunk extension", get("/plaintext", chunkedTE, body: "5;a\rb\r\nhello\r\n0\r\n\r\n"),
                 400, "bare_cr"),
        .refused(.lineEndings, "bare LF ending the last chunk line", get("/plaintext", chunkedTE, body: "0\n\r\n"), 400, "bare_lf"),
        .refused(.lineEndings, "bare LF ending the trailer section", get("/plaintext", chunkedTE, body: "0\r\n\n"), 400, "bare_lf"),
        .refused(.lineEndings, "bare LF ending a trailer field", get("/plaintext", chunkedTE, body: "0\r\nX-T: 1\n\r\n"), 400, "bare_lf"),
        .refused(.lineEndings, "bare CR in a trailer field", get("/plaintext", chunkedTE, body: "0\r\nX-T: 1\r2\r\n\r\n"), 400, "bare_cr"),
        .open(.lineEndings, "one empty line before the request line (RFC 9112 §2.2)", "\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
        .open(.lineEndings, "three empty lines before the request line", "\r\n\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
    ]

    static let controlBytes: [MalformedInputCase] = [
        .refused(.controlBytes, "NUL first", "\0GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
        .refused(.controlBytes, "NUL in the method", "G\0ET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
        .refused(.controlBytes, "NUL in the target", "GET /plain\0text HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target"),
        .refused(.controlBytes, "NUL in the version", "GET /plaintext HTTP/1.\0\r\nHost: x\r\n\r\n", 400, "invalid_http_version"),
        .refused(.controlBytes, "NUL in a field name", get("/plaintext", "X-A\0B: 1\r\n"), 400, "invalid_header_name"),
        .refused(.controlBytes, "NUL in a field value", get("/plaintext", "X-A: 1\02\r\n"), 400, "invalid_header_value"),
        .refused(.controlBytes, "NUL in Host", "GET /plaintext HTTP/1.1\r\nHost: x\0y\r\n\r\n", 400, "invalid_header_value"),
        .refused(.controlBytes, "NUL in a chunk size", get("/plaintext", chunkedTE, body: "5\0\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.controlBytes, "NUL in a chunk extension", get("/plaintext", chunkedTE, body: "5;a=\0\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.controlBytes, "NUL in a trailer name", get("/plaintext", chunkedTE, body: "0\r\nX\0: 1\r\n\r\n"), 400, "invalid_header_name"),
        .refused(.controlBytes, "NUL in a trailer value", get("/plaintext", chunkedTE, body: "0\r\nX: 1\0\r\n\r\n"), 400, "invalid_header_value"),
        .refused(.controlBytes, "DEL in a field value", get("/plaintext", "X-A: 1\u{7F}\r\n"), 400, "invalid_header_value"),
        .refused(.controlBytes, "ESC in a field value", get("/plaintext", "X-A: \u{1B}[31mred\r\n"), 400, "invalid_header_value"),
        .refused(.controlBytes, "vertical tab in a field name", get("/plaintext", "X-A\u{0B}: 1\r\n"), 400, "invalid_header_name"),
        .refused(.controlBytes, "tab in the target", "GET /plain\ttext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target"),
        .refused(.controlBytes, "DEL in the target", "GET /plaintext\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target"),
        .refused(.controlBytes, "obs-text in the target", bytes: bytes(["GET /caf", [0xC3, 0xA9] as [UInt8], " HTTP/1.1\r\nHost: x\r\n\r\n"]), 400, "invalid_target"),
    ]

    static let chunked: [MalformedInputCase] = [
        .open(.chunked, "one chunk", postChunked(chunk(ids) + "0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "one-byte chunks", postChunked(ids.map { chunk(String($0)) }.joined() + "0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "leading zeros in the size", postChunked("000b\r\n\(ids)\r\n0000\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "uppercase hex size", postChunked("B\r\n\(ids)\r\n0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "extension name only", postChunked(chunk(ids, ext: ";foo") + "0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "extension with a token value", postChunked(chunk(ids, ext: ";foo=bar") + "0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "extension with a quoted value", postChunked(chunk(ids, ext: ";foo=\"a b;c=d\"") + "0\r\n\r\n"),
              [200], contains: order1),
        .open(.chunked, "extension with an escaped quote", postChunked(chunk(ids, ext: ";foo=\"a\\\"b\\\\\"") + "0\r\n\r\n"),
              [200], contains: order1),
        .open(.chunked, "extension with BWS", postChunked(chunk(ids, ext: " ; foo = bar\t;\tbaz") + "0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "several extensions", postChunked(chunk(ids, ext: ";a=1;b=2;c") + "0\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "extension on the last chunk", postChunked(chunk(ids) + "0;last=yes\r\n\r\n"), [200], contains: order1),
        .open(.chunked, "extension of 4000 bytes", postChunked(chunk(ids, ext: ";x=" + repeated("a", 3990)) + "0\r\n\r\n"),
              [200], contains: order1),
        .open(.chunked, "trailer fields", postChunked(chunk(ids) + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"), [200], contains: order1),
        .refused(.chunked, "negative size", get("/plaintext", chunkedTE, body: "-5\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "plus sign", get("/plaintext", chunkedTE, body: "+5\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "empty size", get("/plaintext", chunkedTE, body: "\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "0x prefix", get("/plaintext", chunkedTE, body: "0x5\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "leading space", get("/plaintext", chunkedTE, body: " 5\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "leading tab", get("/plaintext", chunkedTE, body: "\t5\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "non-hex digit", get("/plaintext", chunkedTE, body: "5g\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "underscore in the size", get("/plaintext", chunkedTE, body: "0_5\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_size"),
        .refused(.chunked, "17 hex digits (2^64: overflow)", get("/plaintext", chunkedTE, body: "10000000000000000\r\nhello\r\n"),
                 400, "invalid_chunk_size"),
        .refused(.chunked, "trailing space without an extension", get("/plaintext", chunkedTE, body: "5 \r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.chunked, "empty extension", get("/plaintext", chunkedTE, body: "5;\r\nhello\r\n0\r\n\r\n"), 400, "invalid_chunk_extension"),
        .refused(.chunked, "extension without a name", get("/plaintext", chunkedTE, body: "5;=x\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.chunked, "extension with an empty value", get("/plaintext", chunkedTE, body: "5;a=\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.chunked, "unterminated quoted extension", get("/plaintext", chunkedTE, body: "5;a=\"x\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.chunked, "text after a quoted extension", get("/plaintext", chunkedTE, body: "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.chunked, "separator in an extension value", get("/plaintext", chunkedTE, body: "5;a=b@c\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_extension"),
        .refused(.chunked, "data longer than the size", get("/plaintext", chunkedTE, body: "5\r\nhelloXX\r\n0\r\n\r\n"),
                 400, "invalid_chunk_data_terminator"),
        .refused(.chunked, "data shorter than the size", get("/plaintext", chunkedTE, body: "6\r\nhello\r\n0\r\n\r\n"),
                 400, "invalid_chunk_data_terminator"),
        .refused(.chunked, "obs-fold in a trailer", get("/plaintext", chunkedTE, body: "0\r\nX-T: 1\r\n 2\r\n\r\n"), 400, "obs_fold"),
        .refused(.chunked, "space before a trailer colon", get("/plaintext", chunkedTE, body: "0\r\nX-T : 1\r\n\r\n"),
                 400, "whitespace_before_colon"),
        .refused(.chunked, "trailer without a colon", get("/plaintext", chunkedTE, body: "0\r\nX-T\r\n\r\n"), 400, "missing_colon"),
        .refused(.chunked, "trailer with an empty name", get("/plaintext", chunkedTE, body: "0\r\n: 1\r\n\r\n"), 400, "empty_header_name"),
    ]

    static let limits: [MalformedInputCase] = [
        // Request line: 8192 bytes without CRLF are accepted, a longer target is 414.
        .open(.limits, "request line of exactly 8192 bytes", get("/plaintext?" + repeated("a", 8192 - 4 - 11 - 9)), [200]),
        .refused(.limits, "target of 8200 bytes", get("/plaintext?" + repeated("a", 8200 - 11)), 414, "uri_too_long"),
        .refused(.limits, "target of 20000 bytes", get("/" + repeated("a", 19_999)), 414, "uri_too_long"),
        .refused(.limits, "method of 9000 bytes", repeated("G", 9000) + " / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request_line_too_long"),
        .refused(.limits, "4097 empty lines before the request line", repeated("\r\n", 4097) + followUp, 400, "too_many_empty_lines"),
        // Header block: every field line with its CRLF, and the final CRLF: 16384 bytes.
        .open(.limits, "header block of exactly 16384 bytes",
              get("/plaintext", "X-Pad: " + repeated("p", 16384 - 9 - 9 - 2) + "\r\n"), [200]),
        .refused(.limits, "header block of 16385 bytes",
                 get("/plaintext", "X-Pad: " + repeated("p", 16385 - 9 - 9 - 2) + "\r\n"), 431, "header_block_too_large"),
        .refused(.limits, "one field value of 20000 bytes", get("/plaintext", "X-Big: " + repeated("b", 20_000) + "\r\n"),
                 431, "header_block_too_large"),
        .refused(.limits, "many small fields over 16 KiB",
                 get("/plaintext", (0..<90).map { "X-F\($0): " + repeated("v", 200) + "\r\n" }.joined()), 431, "header_block_too_large"),
        .open(.limits, "100 fields (Host and 99 more)", get("/plaintext", (1...99).map { "X-F\($0): \($0)\r\n" }.joined()), [200]),
        .refused(.limits, "101 fields", get("/plaintext", (1...100).map { "X-F\($0): \($0)\r\n" }.joined()), 431, "too_many_headers"),
        // Body: 1 MiB accepted, one byte more is 413.
        .open(.limits, "Content-Length body of exactly 1 MiB",
              get("/plaintext", "Content-Length: 1048576\r\n", body: repeated("b", 1_048_576)), [200]),
        .refused(.limits, "Content-Length of 1 MiB + 1", post("/plaintext", "Content-Length: 1048577\r\n"), 413, "content_too_large"),
        .refused(.limits, "Content-Length of a terabyte", post("/plaintext", "Content-Length: 1000000000000\r\n"), 413, "content_too_large"),
        .refused(.limits, "largest int64 Content-Length", post("/plaintext", "Content-Length: 9223372036854775807\r\n"),
                 413, "content_too_large"),
        .refused(.limits, "one chunk of 1 MiB + 1", get("/plaintext", chunkedTE, body: "100001\r\n"), 413, "content_too_large"),
        .refused(.limits, "chunk size FFFFFFFFFFFFFFFF", get("/plaintext", chunkedTE, body: "FFFFFFFFFFFFFFFF\r\n"), 413, "content_too_large"),
        .refused(.limits, "chunks adding up to 1 MiB + 1",
                 get("/plaintext", chunkedTE, body: "80000\r\n" + repeated("c", 0x80000) + "\r\n80001\r\n"), 413, "content_too_large"),
        .refused(.limits, "Content-Length over the limit with Expect: 100-continue (no 100 first)",
                 post("/plaintext", "Expect: 100-continue\r\nContent-Length: 2000000\r\n"), 413, "content_too_large"),
        .refused(.limits, "chunk extension of 5000 bytes", get("/plaintext", chunkedTE, body: "5;x=" + repeated("a", 5000) + "\r\nhello\r\n0\r\n\r\n"),
                 400, "chunk_line_too_long"),
        .refused(.limits, "trailer section over 16 KiB", get("/plaintext", chunkedTE, body: "0\r\nX-T: " + repeated("t", 17_000) + "\r\n\r\n"),
                 431, "trailer_section_too_large"),
        .refused(.limits, "101 trailer fields", get("/plaintext", chunkedTE, body: "0\r\n" + (1...101).map { "X-T\($0): 1\r\n" }.joined() + "\r\n"),
                 431, "too_many_trailer_fields"),
        .open(.limits, "100 trailer fields", get("/plaintext", chunkedTE, body: "0\r\n" + (1...100).map { "X-T\($0): 1\r\n" }.joined() + "\r\n"),
              [200]),
    ]

    static let host: [MalformedInputCase] = [
        .refused(.host, "missing in HTTP/1.1", "GET /plaintext HTTP/1.1\r\nX-A: 1\r\n\r\n", 400, "missing_host"),
        .refused(.host, "missing in HTTP/1.2", "GET /plaintext HTTP/1.2\r\n\r\n", 400, "missing_host"),
        .refused(.host, "duplicate, same value", "GET /plaintext HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 400, "duplicate_host"),
        .refused(.host, "duplicate, different values", "GET /plaintext HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n", 400, "duplicate_host"),
        .refused(.host, "duplicate in HTTP/1.0", "GET /plaintext HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n", 400, "duplicate_host"),
        .refused(.host, "space inside", "GET /plaintext HTTP/1.1\r\nHost: x y\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "path in Host", "GET /plaintext HTTP/1.1\r\nHost: x/y\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "userinfo in Host", "GET /plaintext HTTP/1.1\r\nHost: user@x\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "named port", "GET /plaintext HTTP/1.1\r\nHost: x:http\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "two ports", "GET /plaintext HTTP/1.1\r\nHost: x:1:2\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "port only", "GET /plaintext HTTP/1.1\r\nHost: :80\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "unclosed IPv6 literal", "GET /plaintext HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "bad IPv6 literal", "GET /plaintext HTTP/1.1\r\nHost: [::g]\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "comma list", "GET /plaintext HTTP/1.1\r\nHost: x, y\r\n\r\n", 400, "invalid_host"),
        .open(.host, "empty Host (reg-name may be empty)", "GET /plaintext HTTP/1.1\r\nHost:\r\n\r\n", [200]),
        .open(.host, "IPv4 with port", "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", [200]),
        .open(.host, "IPv6 literal with port", "GET /plaintext HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", [200]),
        .open(.host, "empty port", "GET /plaintext HTTP/1.1\r\nHost: x:\r\n\r\n", [200]),
        .open(.host, "uppercase field name", "GET /plaintext HTTP/1.1\r\nHOST: x\r\n\r\n", [200]),
        .closing(.host, "HTTP/1.0 without Host", "GET /plaintext HTTP/1.0\r\n\r\n", [200]),
        // RFC 9112 §3.2.2: with absolute-form the origin server ignores Host, but an
        // HTTP/1.1 request must still carry one, and a valid one (§3.2).
        .open(.host, "absolute-form, Host matches", "GET http://x/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
        .open(.host, "absolute-form, Host differs", "GET http://example.com/plaintext HTTP/1.1\r\nHost: other.example\r\n\r\n", [200]),
        .open(.host, "absolute-form, empty Host", "GET http://example.com/plaintext HTTP/1.1\r\nHost:\r\n\r\n", [200]),
        .open(.host, "absolute-form https with port", "GET https://example.com:8443/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
        .open(.host, "absolute-form, uppercase scheme", "GET HTTP://example.com/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
        .open(.host, "absolute-form, IPv6 authority", "GET http://[::1]:8080/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
        .open(.host, "absolute-form with a query", "GET http://x/api/v1/order/map?ids=1 HTTP/1.1\r\nHost: x\r\n\r\n", [200],
              contains: order1),
        .open(.host, "absolute-form without a path is /", "GET http://x HTTP/1.1\r\nHost: x\r\n\r\n", [404], code: "not_found"),
        .refused(.host, "absolute-form without Host", "GET http://x/plaintext HTTP/1.1\r\n\r\n", 400, "missing_host"),
        .refused(.host, "absolute-form with an invalid Host", "GET http://x/plaintext HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid_host"),
        .refused(.host, "absolute-form with userinfo", "GET http://user@x/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target_form"),
        .refused(.host, "absolute-form with another scheme", "GET ftp://x/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target_form"),
        .refused(.host, "authority-form with GET", "GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target_form"),
        .refused(.host, "asterisk-form with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target_form"),
        .closing(.host, "absolute-form in HTTP/1.0 without Host", "GET http://x/plaintext HTTP/1.0\r\n\r\n", [200]),
    ]

    static let requestLine: [MalformedInputCase] = [
        .refused(.requestLine, "HTTP/0.9 simple request", "GET /\r\n", 400, "missing_http_version"),
        .refused(.requestLine, "HTTP/0.9 request with an empty line", "GET /plaintext\r\n\r\n", 400, "missing_http_version"),
        .refused(.requestLine, "HTTP/2.0", "GET /plaintext HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
        .refused(.requestLine, "HTTP/3.0", "GET /plaintext HTTP/3.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
        .refused(.requestLine, "HTTP/0.9 as a version", "GET /plaintext HTTP/0.9\r\n\r\n", 505, "http_version_not_supported"),
        .refused(.requestLine, "HTTP/9.9", "GET /plaintext HTTP/9.9\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
        // RFC 9112 §2.3 / RFC 9110 §6.2: a higher minor version is processed as 1.1.
        .open(.requestLine, "HTTP/1.2 read as 1.1", "GET /plaintext HTTP/1.2\r\nHost: x\r\n\r\n", [200]),
        .open(.requestLine, "HTTP/1.9 read as 1.1", "GET /plaintext HTTP/1.9\r\nHost: x\r\n\r\n", [200]),
        .refused(.requestLine, "HTTP/1.10", "GET /plaintext HTTP/1.10\r\nHost: x\r\n\r\n", 400, "invalid_http_version"),
        .refused(.requestLine, "HTTP/10.0", "GET /plaintext HTTP/10.0\r\nHost: x\r\n\r\n", 400, "invalid_http_version"),
        .refused(.requestLine, "lowercase http/1.1", "GET /plaintext http/1.1\r\nHost: x\r\n\r\n", 400, "invalid_http_version"),
        .refused(.requestLine, "HTTP/1 without a minor", "GET /plaintext HTTP/1\r\nHost: x\r\n\r\n", 400, "invalid_http_version"),
        .refused(.requestLine, "HTTP/1.x", "GET /plaintext HTTP/1.x\r\nHost: x\r\n\r\n", 400, "invalid_http_version"),
        .refused(.requestLine, "trailing space after the version", "GET /plaintext HTTP/1.1 \r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "a fourth element", "GET /plaintext HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "two spaces before the target", "GET  /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "two spaces before the version", "GET /plaintext  HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "tab as separator", "GET\t/plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
        .refused(.requestLine, "leading space", " GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "method only", "GET\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "space in the target", "GET /plain text HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request_line"),
        .refused(.requestLine, "fragment in the target", "GET /plaintext#top HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target"),
        .refused(.requestLine, "bad percent-encoding", "GET /plain%zztext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_percent_encoding"),
        .refused(.requestLine, "relative target", "GET plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target_form"),
        .closing(.requestLine, "HTTP/1.0 closes after the answer", "GET /plaintext HTTP/1.0\r\nHost: x\r\n\r\n" + inner, [200]),
        .open(.requestLine, "HTTP/1.0 with keep-alive stays open", "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", [200]),
    ]

    static let methods: [MalformedInputCase] = [
        .refused(.methods, "unknown method FOO", "FOO /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method_not_implemented"),
        .refused(.methods, "lowercase get (methods are case-sensitive)", "get /plaintext HTTP/1.1\r\nHost: x\r\n\r\n",
                 501, "method_not_implemented"),
        .refused(.methods, "CONNECT", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 501, "method_not_implemented"),
        .refused(.methods, "PROPFIND", "PROPFIND /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method_not_implemented"),
        .refused(.methods, "GETS", "GETS /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method_not_implemented"),
        .refused(.methods, "unknown method with a body", post("/plaintext", "Content-Length: 5\r\n", body: "hello")
                    .replacingOccurrences(of: "POST ", with: "BREW "), 501, "method_not_implemented"),
        .refused(.methods, "separator in the method", "GE(T /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
        .refused(.methods, "at sign in the method", "G@T /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
        .open(.methods, "PUT on a GET route", "PUT /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", [405],
              code: "method_not_allowed"),
        .open(.methods, "DELETE on a GET route", "DELETE /json HTTP/1.1\r\nHost: x\r\n\r\n", [405], code: "method_not_allowed"),
        .open(.methods, "PATCH on a GET route", "PATCH /healthz HTTP/1.1\r\nHost: x\r\n\r\n", [405], code: "method_not_allowed"),
        .open(.methods, "TRACE", "TRACE /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [405], code: "method_not_allowed"),
        .open(.methods, "HEAD", "HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", [200], head: true),
        .open(.methods, "OPTIONS", "OPTIONS /json HTTP/1.1\r\nHost: x\r\n\r\n", [204]),
    ]

    static let bodies: [MalformedInputCase] = [
        .open(.bodies, "GET with a Content-Length body", get("/plaintext", "Content-Length: 5\r\n", body: "hello"), [200]),
        .open(.bodies, "GET with a chunked body", get("/plaintext", chunkedTE, body: chunk("hello") + "0\r\n\r\n"), [200]),
        .open(.bodies, "HEAD with a body", "HEAD /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", [200], head: true),
        .open(.bodies, "404 on POST with a body", post("/nope", "Content-Length: 5\r\n", body: "hello"), [404], code: "not_found"),
        .open(.bodies, "404 on POST with a chunked body", post("/nope", chunkedTE, body: chunk("hello") + "0\r\n\r\n"), [404], code: "not_found"),
        .open(.bodies, "405 on POST with a body", post("/plaintext", "Content-Length: 5\r\n", body: "hello"), [405], code: "method_not_allowed"),
        .open(.bodies, "405 on DELETE with a chunked body", "DELETE /json HTTP/1.1\r\nHost: x\r\n\(chunkedTE)\r\n\(chunk("hello"))0\r\n\r\n",
              [405], code: "method_not_allowed"),
        .open(.bodies, "400 for a body that is not JSON", postLength("12", body: "{not json!!}"), [400], code: "invalid_body"),
        .open(.bodies, "415 for a body without a JSON content type",
              post("/api/v1/order/map", "Content-Length: 11\r\n", body: ids), [415], code: "unsupported_media_type"),
        .open(.bodies, "400 for an empty JSON body", postLength("0", body: ""), [400], code: "invalid_body"),
    ]

    static let connection: [MalformedInputCase] = [
        .open(.connection, "three pipelined requests", get("/plaintext") + get("/json") + get("/healthz"), [200, 200, 200]),
        .closing(.connection, "Connection: close, then a pipelined request",
                 get("/plaintext", "Connection: close\r\n") + inner, [200]),
        .closing(.connection, "close in the middle of a pipeline",
                 get("/plaintext") + get("/json", "Connection: close\r\n") + get("/healthz"), [200, 200]),
        .closing(.connection, "keep-alive, close", get("/plaintext", "Connection: keep-alive, close\r\n") + inner, [200]),
        .closing(.connection, "CLOSE in uppercase", get("/plaintext", "Connection: CLOSE\r\n") + inner, [200]),
        .closing(.connection, "close in a second Connection field",
                 get("/plaintext", "Connection: keep-alive\r\nConnection: close\r\n") + inner, [200]),
        .closing(.connection, "close on an error answer", post("/nope", "Connection: close\r\nContent-Length: 5\r\n", body: "hello") + inner,
                 [404], code: "not_found"),
        .closing(.connection, "HTTP/1.0 then a pipelined request", "GET /plaintext HTTP/1.0\r\n\r\n" + inner, [200]),
        .refused(.connection, "Connection with a parameter", get("/plaintext", "Connection: close;x\r\n") + inner, 400, "invalid_connection"),
        .refused(.connection, "a pipelined request behind a malformed one", get("/plaintext", "X A: 1\r\n") + inner,
                 400, "whitespace_before_colon"),
        .closing(.connection, "a malformed request behind a valid one", get("/plaintext") + "GET /json HTTP/1.1\r\nHost : x\r\n\r\n" + inner,
                 [200, 400], code: "whitespace_before_colon"),
        .open(.connection, "empty Connection members are ignored", get("/plaintext", "Connection: , ,keep-alive\r\n"), [200]),
    ]

    static let expect: [MalformedInputCase] = [
        .steps(.expect, "100-continue before the body", [
            (post("/api/v1/order/map", "\(jsonType)Expect: 100-continue\r\nContent-Length: 11\r\n"), [100]),
            (ids, [200]),
        ], closes: false, contains: order1),
        .steps(.expect, "100-Continue in another case", [
            (post("/api/v1/order/map", "\(jsonType)Expect: 100-Continue\r\nContent-Length: 11\r\n"), [100]),
            (ids, [200]),
        ], closes: false, contains: order1),
        .steps(.expect, "100-continue with a chunked body", [
            (post("/api/v1/order/map", "\(jsonType)Expect: 100-continue\r\n\(chunkedTE)"), [100]),
            (idsChunked, [200]),
        ], closes: false, contains: order1),
        .steps(.expect, "100-continue, then 404", [
            (post("/nope", "Expect: 100-continue\r\nContent-Length: 5\r\n"), [100]),
            ("hello", [404]),
        ], closes: false, code: "not_found"),
        // RFC 9110 §10.1.1: a 100-continue expectation in HTTP/1.0 is ignored.
        .steps(.expect, "100-continue in HTTP/1.0 is ignored", [
            ("POST /api/v1/order/map HTTP/1.0\r\nConnection: keep-alive\r\n\(jsonType)Expect: 100-continue\r\nContent-Length: 11\r\n\r\n", []),
            (ids, [200]),
        ], closes: false, contains: order1),
        .open(.expect, "100-continue with the body already sent",
              post("/api/v1/order/map", "\(jsonType)Expect: 100-continue\r\nContent-Length: 11\r\n", body: ids), [200], contains: order1),
        .open(.expect, "100-continue on a GET without a body", get("/plaintext", "Expect: 100-continue\r\n"), [200]),
        // RFC 9110 §5.6.1.2, §10.1.1: Expect is a list; empty members are no expectation.
        .open(.expect, "empty Expect asks for nothing",
              post("/api/v1/order/map", "\(jsonType)Expect:\r\nContent-Length: 11\r\n", body: ids), [200], contains: order1),
        .steps(.expect, "100-continue with empty list members", [
            (post("/api/v1/order/map", "\(jsonType)Expect: , 100-continue,\r\nContent-Length: 11\r\n"), [100]),
            (ids, [200]),
        ], closes: false, contains: order1),
        .refused(.expect, "unknown expectation", post("/plaintext", "Expect: something\r\nContent-Length: 5\r\n", body: "hello"),
                 417, "expectation_failed"),
        .refused(.expect, "100-continue and another expectation",
                 post("/plaintext", "Expect: 100-continue, x\r\nContent-Length: 5\r\n", body: "hello"), 417, "expectation_failed"),
        .refused(.expect, "100-continue with a parameter", post("/plaintext", "Expect: 100-continue;a=b\r\nContent-Length: 5\r\n", body: "hello"),
                 417, "expectation_failed"),
        .refused(.expect, "100-continue with an invalid Content-Length", post("/plaintext", "Expect: 100-continue\r\nContent-Length: -1\r\n"),
                 400, "invalid_content_length"),
    ]

    static let echo: [MalformedInputCase] = [
        .refused(.echo, "quote and markup in the target", "GET /\"}<script>alert(1)</script> HTTP/1.1\r\nHost: x\r\n\r\n",
                 400, "invalid_target"),
        .refused(.echo, "JSON-breaking method", "{\"a\":1} /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
        .refused(.echo, "markup in a field value with a NUL", get("/plaintext", "X-A: <script>\"}\0\r\n"), 400, "invalid_header_value"),
        .refused(.echo, "quote in Host", "GET /plaintext HTTP/1.1\r\nHost: \"x\"<b>\r\n\r\n", 400, "invalid_host"),
        .open(.echo, "encoded markup in a 404 path", get("/%22%7D%3Cscript%3Ealert(1)%3C/script%3E"), [404], code: "not_found"),
        .open(.echo, "encoded quote, backslash and newline in a user name",
              get("/api/v1/user/fetch?name=%22%5C%0A%3Cb%3E%00"), [404], code: "user_not_found"),
        .open(.echo, "encoded quote and newline in an order id", get("/api/v1/order/map?ids=1,%22%0A%3Cb%3E"), [400], code: "invalid_parameter"),
    ]

    static let all: [MalformedInputCase] = smuggling + contentLength + transferEncoding + fieldSyntax + lineEndings + controlBytes + chunked
        + limits + host + requestLine + methods + bodies + connection + expect + echo
}

// MARK: - The test

@Suite(.serialized)
struct MalformedInputTests {
    static let server = Result { try ServerProcess() }

    @Test func suiteHasAtLeast150Cases() {
        #expect(MalformedInputCase.all.count >= 150)
        let names = MalformedInputCase.all.map(\.testDescription)
        #expect(Set(names).count == names.count, "case names are unique")
    }

    @Test(arguments: MalformedInputCase.all)
    func rawInput(_ testCase: MalformedInputCase) throws {
        let server = try Self.server.get()
        try #require(server.process.isRunning, "the server is still running; it said:\n\(server.log.suffix(3000))")
        let connection = try RawConnection(port: server.port, receiveTimeout: 3)
        var responses: [HTTPTestResponse] = []
        var sent: [UInt8] = []
        for (index, step) in testCase.steps.enumerated() {
            try connection.send(step.bytes)
            sent += step.bytes
            if step.statuses.isEmpty {
                #expect(connection.quietness(for: 0.3) == .quiet, "step \(index): nothing may be answered yet")
                continue
            }
            var got: [HTTPTestResponse] = []
            for _ in step.statuses {
                guard let response = connection.readResponse(headRequest: testCase.head && responses.isEmpty && got.isEmpty) else { break }
                got.append(response)
            }
            #expect(got.map(\.status) == step.statuses, "step \(index): statuses")
            responses += got
            if got.count < step.statuses.count { return }
        }

        // Every error answer is the documented JSON and echoes nothing raw.
        for response in responses where response.status >= 400 {
            let problems = ErrorBodyCheck.problems(response, request: sent)
            #expect(problems.isEmpty, "\(response.status): \(problems.joined(separator: "; "))")
        }
        if let expected = testCase.code {
            let lastError = responses.last { $0.status >= 400 }
            #expect(lastError.flatMap(ErrorBodyCheck.code) == expected, "error code; body: \(lastError?.bodyText ?? "(none)")")
        }
        if let fragment = testCase.bodyContains {
            let first = responses.first { $0.status >= 200 }
            #expect(first?.bodyText.contains(fragment) == true, "body: \(first?.bodyText ?? "(none)")")
        }

        let last = responses.last
        if testCase.closes {
            #expect(last?.header("Connection")?.lowercased() == "close", "the last answer announces the close")
            let start = Date()
            #expect(connection.isClosedByServer(), "the server closes the connection")
            #expect(Date().timeIntervalSince(start) < 2.5, "and does so promptly")
            #expect(connection.unread.isEmpty,
                    "nothing more is answered: \(String(decoding: connection.unread.prefix(200), as: UTF8.self))")
        } else {
            #expect(last?.header("Connection")?.lowercased() != "close", "the connection stays open")
            // One more request on the same connection is parsed exactly once.
            try connection.send(followUp)
            let next = connection.readResponse()
            #expect(next?.status == 200, "the follow-up request is answered")
            #expect(next?.bodyText == "Hello, World!", "by /plaintext, not by a smuggled request")
            let after = connection.quietness(for: 0.3)
            #expect(after == .quiet, "no extra response and no close after the follow-up: \(after)")
        }
    }
}
