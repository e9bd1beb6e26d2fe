// Swift-side wrappers around the C HTTP/1.1 parser (es_http1_parser.h), so the tests can
// compare plain values: a parse either completes with a ParsedRequest, needs more bytes,
// or fails with a status and a code.

import CEventShim

/// es_http1_limits as a Sendable Swift value (test arguments must be Sendable).
struct ParserLimits: Sendable, Equatable {
    var maxRequestLine: UInt32 = 8192
    var maxHeaderBlock: UInt32 = 16384
    var maxHeaderCount: UInt32 = 100
    var maxBody: UInt64 = 1 << 20

    static let standard = ParserLimits()

    var c: es_http1_limits {
        es_http1_limits(
            max_request_line: maxRequestLine,
            max_header_block: maxHeaderBlock,
            max_header_count: maxHeaderCount,
            max_body: maxBody)
    }
}

/// The request flags, as UInt8 like es_http1_request.flags.
enum RequestFlag {
    static let keepAlive = UInt8(ES_HTTP1_F_KEEP_ALIVE)
    static let chunked = UInt8(ES_HTTP1_F_CHUNKED)
    static let expectContinue = UInt8(ES_HTTP1_F_EXPECT_CONTINUE)
    static let absoluteForm = UInt8(ES_HTTP1_F_ABSOLUTE_FORM)
    static let asteriskForm = UInt8(ES_HTTP1_F_ASTERISK_FORM)
    static let upgrade = UInt8(ES_HTTP1_F_UPGRADE)
}

struct ParsedHeader: Equatable, Sendable, CustomStringConvertible {
    var name: String
    var value: [UInt8]

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = Array(value.utf8)
    }

    init(name: String, valueBytes: [UInt8]) {
        self.name = name
        self.value = valueBytes
    }

    var description: String { "\(name): \(String(decoding: value, as: UTF8.self))" }
}

/// Everything es_http1_parse_head reports for a complete head, copied out of the buffer.
struct ParsedRequest: Equatable, Sendable {
    var method: String
    var versionMinor: UInt8
    var flags: UInt8
    var target: String
    var path: String
    var query: String?
    var authority: String
    var contentLength: Int64
    var headers: [ParsedHeader]
    var headLength: Int
}

enum HeadOutcome: Equatable, Sendable {
    case complete(ParsedRequest)
    case incomplete
    case failed(status: UInt16, code: String)
}

/// Text of `len` bytes at `pointer` (nil with length 0 reads as "").
private func text(_ pointer: UnsafePointer<CChar>?, _ len: UInt32) -> String {
    guard let pointer, len > 0 else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(len)), as: UTF8.self)
}

private func bytes(_ pointer: UnsafePointer<CChar>?, _ len: UInt32) -> [UInt8] {
    guard let pointer, len > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: Int(len)))
}

/// One parser for one request head, fed growing prefixes of the same request.
struct HeadParser {
    private var parser = es_http1_parser()
    private var request = es_http1_request()
    private var headers: [es_http1_header]
    private var limits: es_http1_limits

    init(limits: ParserLimits = .standard) {
        self.limits = limits.c
        self.headers = Array(repeating: es_http1_header(), count: Int(max(limits.maxHeaderCount, 1)))
        es_http1_parser_reset(&parser)
    }

    /// Feeds buffer[0..<count]; copies the result out while the buffer is still alive.
    mutating func feed(_ buffer: UnsafeBufferPointer<UInt8>, count: Int) -> HeadOutcome {
        let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
        let headerCapacity = UInt32(headers.count)
        let rc = headers.withUnsafeMutableBufferPointer { headerBuffer in
            es_http1_parse_head(&parser, base, count, &limits, &request,
                                headerBuffer.baseAddress, headerCapacity)
        }
        switch rc {
        case ES_HTTP1_OK:
            return .complete(snapshot())
        case ES_HTTP1_INCOMPLETE:
            return .incomplete
        default:
            return .failed(status: parser.error.status, code: String(cString: parser.error.code))
        }
    }

    /// Feeds a copy of `prefix`, so the buffer lives somewhere new on every call.
    mutating func feed(_ prefix: [UInt8]) -> HeadOutcome {
        let copy = Array(prefix)
        return copy.withUnsafeBufferPointer { feed($0, count: $0.count) }
    }

    private func snapshot() -> ParsedRequest {
        var fields: [ParsedHeader] = []
        for header in headers.prefix(Int(request.header_count)) {
            fields.append(ParsedHeader(name: text(header.name, header.name_len),
                                       valueBytes: bytes(header.value, header.value_len)))
        }
        return ParsedRequest(
            method: String(cString: es_method_name(request.method)),
            versionMinor: request.version_minor,
            flags: request.flags,
            target: text(request.target, request.target_len),
            path: text(request.path, request.path_len),
            query: request.query == nil ? nil : text(request.query, request.query_len),
            authority: text(request.authority, request.authority_len),
            contentLength: request.content_length,
            headers: fields,
            headLength: Int(request.head_len))
    }
}

/// The whole input in one call.
func parseWhole(_ raw: [UInt8], limits: ParserLimits = .standard) -> HeadOutcome {
    var parser = HeadParser(limits: limits)
    return parser.feed(raw)
}

/// raw[0..<split] first, then all of raw (in a different buffer), same parser.
func parseSplit(_ raw: [UInt8], at split: Int, limits: ParserLimits = .standard) -> HeadOutcome {
    var parser = HeadParser(limits: limits)
    let first = parser.feed(Array(raw[0..<split]))
    if first != .incomplete { return first }
    return parser.feed(raw)
}

/// Growing prefixes one byte longer each call, until the parser answers.
func parseByteByByte(_ raw: [UInt8], limits: ParserLimits = .standard) -> HeadOutcome {
    var parser = HeadParser(limits: limits)
    return raw.withUnsafeBufferPointer { buffer in
        for count in 1...buffer.count {
            let outcome = parser.feed(buffer, count: count)
            if outcome != .incomplete { return outcome }
        }
        return .incomplete
    }
}

/// The first split point whose two-call result differs from `expected`, if any.
func firstDivergingSplit(_ raw: [UInt8], expected: HeadOutcome, limits: ParserLimits) -> (Int, HeadOutcome)? {
    for split in 1..<max(raw.count, 1) {
        let outcome = parseSplit(raw, at: split, limits: limits)
        if outcome != expected { return (split, outcome) }
    }
    return nil
}

// MARK: - Chunked decoding

enum ChunkedOutcome: Equatable, Sendable {
    /// The decoded body and how many raw bytes the chunked framing used.
    case complete(body: [UInt8], consumed: Int)
    case incomplete(body: [UInt8])
    case failed(status: UInt16, code: String)
}

/// Decodes `raw` delivered in the given pieces the way a connection would: the decoded
/// bytes stay at the front of the buffer and each new piece of raw bytes is appended
/// right after them; the decoder is called on the new bytes only.
func decodeChunked(_ raw: [UInt8], pieces: [Range<Int>], limits: ParserLimits = .standard) -> ChunkedOutcome {
    var decoder = es_http1_chunked_decoder()
    es_http1_chunked_decoder_reset(&decoder)
    var cLimits = limits.c
    var body: [UInt8] = []
    var rawUsed = 0
    for piece in pieces where !piece.isEmpty {
        var buffer = body + raw[piece]
        let start = body.count
        var decoded = 0
        var consumed = 0
        let rc = buffer.withUnsafeMutableBufferPointer { pointer in
            let base = UnsafeMutableRawPointer(pointer.baseAddress! + start)
                .assumingMemoryBound(to: CChar.self)
            return es_http1_chunked_decode(&decoder, base, piece.count, &cLimits, &decoded, &consumed)
        }
        body = Array(buffer[0..<(start + decoded)])
        rawUsed += consumed
        switch rc {
        case ES_HTTP1_OK:
            return .complete(body: body, consumed: rawUsed)
        case ES_HTTP1_INCOMPLETE:
            // the decoder keeps no raw bytes: it must have used all of them
            if consumed != piece.count { return .failed(status: 0, code: "incomplete_without_consuming_all") }
        default:
            return .failed(status: decoder.error.status, code: String(cString: decoder.error.code))
        }
    }
    return .incomplete(body: body)
}

func decodeChunkedWhole(_ raw: [UInt8], limits: ParserLimits = .standard) -> ChunkedOutcome {
    decodeChunked(raw, pieces: [0..<raw.count], limits: limits)
}

func decodeChunkedSplit(_ raw: [UInt8], at split: Int, limits: ParserLimits = .standard) -> ChunkedOutcome {
    decodeChunked(raw, pieces: [0..<split, split..<raw.count], limits: limits)
}

func decodeChunkedByteByByte(_ raw: [UInt8], limits: ParserLimits = .standard) -> ChunkedOutcome {
    decodeChunked(raw, pieces: raw.indices.map { $0..<($0 + 1) }, limits: limits)
}

// MARK: - Building inputs

extension Array where Element == UInt8 {
    /// UTF-8 bytes of a string (tests write "\r\n" explicitly).
    init(ascii string: String) { self = Array(string.utf8) }
}

/// A request head with `count` header lines "X-Hnnn: v" after a Host line.
func requestWithHeaders(_ count: Int, host: Bool = true) -> String {
    var head = "GET / HTTP/1.1\r\n"
    if host { head += "Host: example.com\r\n" }
    for index in 0..<(host ? count - 1 : count) {
        head += "X-H\(index): v\r\n"
    }
    return head + "\r\n"
}
