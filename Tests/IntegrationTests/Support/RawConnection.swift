import Foundation

/// A blocking TCP client on loopback that sends raw bytes and reads raw responses, so
/// tests control every byte and see exactly what the server writes and when it closes.
final class RawConnection {
    let fd: Int32

    init(port: Int, receiveTimeout: TimeInterval = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawConnectionError.socket(errno) }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout.truncatingRemainder(dividingBy: 1)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw RawConnectionError.connect(errno)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw RawConnectionError.send(errno) }
            offset += n
        }
    }

    /// Shuts our write side (the server sees EOF after what was sent).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    private var buffer: [UInt8] = []
    private(set) var sawEOF = false

    /// Reads more bytes into the buffer. Returns false on EOF, reset or timeout.
    @discardableResult
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 || errno == ECONNRESET { sawEOF = true }
        return false
    }

    /// Reads one response (Content-Length framed, or bodiless). `nil` on EOF or timeout.
    func readResponse(headRequest: Bool = false) -> HTTPTestResponse? {
        while true {
            if let (response, used) = HTTPTestResponse.parse(buffer, headRequest: headRequest) {
                buffer.removeFirst(used)
                return response
            }
            if !fill() { return nil }
        }
    }

    /// Reads `count` responses in order.
    func readResponses(_ count: Int) -> [HTTPTestResponse] {
        (0..<count).compactMap { _ in readResponse() }
    }

    /// True when the server closes the connection (EOF or reset) within the receive
    /// timeout, after any bytes still unread.
    func isClosedByServer() -> Bool {
        while !sawEOF {
            if !fill() { break }
        }
        return sawEOF
    }

    /// Bytes received but not consumed as responses.
    var unread: [UInt8] { buffer }
}

enum RawConnectionError: Error {
    case socket(Int32), connect(Int32), send(Int32)
}

/// A parsed response, as the test client saw it.
struct HTTPTestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Parses one response at the start of `bytes`; nil if incomplete.
    static func parse(_ bytes: [UInt8], headRequest: Bool) -> (HTTPTestResponse, Int)? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) }) else {
            return nil
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = HTTPTestResponse(status: status, headers: headers, body: [])
        let bodyStart = end + 4
        let length = headRequest || status < 200 || status == 204 || status == 304 ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
        guard bytes.count >= bodyStart + length else { return nil }
        response.body = Array(bytes[bodyStart..<(bodyStart + length)])
        return (response, bodyStart + length)
    }
}
