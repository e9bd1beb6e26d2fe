import Foundation

/// A raw HTTP/2 client over cleartext (prior knowledge), frame by frame, so tests can send
/// what no well-behaved client sends (resets, protocol violations, floods) and see exactly
/// which frames the server answers with.
final class H2Connection {
    struct Frame {
        var type: UInt8
        var flags: UInt8
        var streamID: UInt32
        var payload: [UInt8]

        /// GOAWAY's error code (RFC 9113 §6.8).
        var goAwayErrorCode: UInt32? {
            guard type == H2Connection.goAway, payload.count >= 8 else { return nil }
            return payload[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        }
        /// RST_STREAM's error code.
        var resetErrorCode: UInt32? {
            guard type == H2Connection.rstStream, payload.count >= 4 else { return nil }
            return payload[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    static let data: UInt8 = 0, headers: UInt8 = 1, rstStream: UInt8 = 3, settings: UInt8 = 4
    static let ping: UInt8 = 6, goAway: UInt8 = 7, windowUpdate: UInt8 = 8, continuation: UInt8 = 9
    static let endStream: UInt8 = 0x1, endHeaders: UInt8 = 0x4, ack: UInt8 = 0x1
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    let raw: RawConnection
    private var buffer: [UInt8] = []
    private(set) var sawEOF = false

    /// Connects, sends the preface and an empty SETTINGS frame.
    init(port: Int, receiveTimeout: TimeInterval = 5) throws {
        raw = try RawConnection(port: port, receiveTimeout: receiveTimeout)
        try raw.send(Self.preface + Self.frame(type: Self.settings, flags: 0, stream: 0, payload: []))
    }

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags,
                UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)] + payload
    }

    /// An HPACK integer with an n-bit prefix (RFC 7541 §5.1).
    static func hpackInteger(_ value: Int, prefixBits: Int, firstByte: UInt8 = 0) -> [UInt8] {
        let limit = (1 << prefixBits) - 1
        if value < limit { return [firstByte | UInt8(value)] }
        var bytes = [firstByte | UInt8(limit)]
        var rest = value - limit
        while rest >= 128 {
            bytes.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    /// A header block of literal fields without indexing, new names (RFC 7541 §6.2.2).
    static func headerBlock(_ fields: [(String, String)]) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in fields {
            block.append(0)
            block += hpackInteger(name.utf8.count, prefixBits: 7) + Array(name.utf8)
            block += hpackInteger(value.utf8.count, prefixBits: 7) + Array(value.utf8)
        }
        return block
    }

    /// HEADERS for a GET of `path` on `stream`, ending the stream.
    func sendGet(_ path: String, stream: UInt32, endStream: Bool = true) throws {
        let block = Self.headerBlock([(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)])
        try raw.send(Self.frame(type: Self.headers, flags: Self.endHeaders | (endStream ? Self.endStream : 0), stream: stream, payload: block))
    }

    func sendReset(stream: UInt32, code: UInt32 = 8 /* CANCEL */) throws {
        try raw.send(Self.frame(type: Self.rstStream, flags: 0, stream: stream,
                                payload: [UInt8(code >> 24), UInt8(code >> 16 & 0xff), UInt8(code >> 8 & 0xff), UInt8(code & 0xff)]))
    }

    func send(_ bytes: [UInt8]) throws { try raw.send(bytes) }

    /// The next frame, or nil on EOF or timeout. A PING is acknowledged, as every client does.
    func readFrame() -> Frame? {
        guard fill(to: 9) else { return nil }
        let length = Int(buffer[0]) << 16 | Int(buffer[1]) << 8 | Int(buffer[2])
        guard fill(to: 9 + length) else { return nil }
        let stream = buffer[5..<9].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
        let frame = Frame(type: buffer[3], flags: buffer[4], streamID: stream, payload: Array(buffer[9..<(9 + length)]))
        buffer.removeFirst(9 + length)
        if frame.type == Self.ping && frame.flags & Self.ack == 0 {
            try? raw.send(Self.frame(type: Self.ping, flags: Self.ack, stream: 0, payload: frame.payload))
        }
        return frame
    }

    /// Reads frames until `match` accepts one (returned) or the connection ends (nil).
    func readUntil(_ match: (Frame) -> Bool) -> Frame? {
        while let frame = readFrame() {
            if match(frame) { return frame }
        }
        return nil
    }

    /// Whether the server closed the connection (EOF or reset) within the receive timeout.
    func closedByServer() -> Bool {
        while readFrame() != nil {}
        return sawEOF
    }

    private func fill(to count: Int) -> Bool {
        while buffer.count < count {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(raw.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                continue
            }
            if n == 0 || errno == ECONNRESET { sawEOF = true }
            return false
        }
        return true
    }
}
