#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A tiny blocking HTTP/1.1 client for the admin port: one GET per connection
/// (`Connection: close`), with a receive timeout. Only the watcher's thread uses it.
public struct AdminClient: Sendable {
    public var target: LoadTarget
    public var timeoutSeconds: Int

    /// A response: status and body bytes.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Why a GET failed.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case connect(Int32)
        case io(Int32)
        case malformed(String)

        public var description: String {
            switch self {
            case .connect(let code): "connect failed (errno \(code))"
            case .io(let code): "read or write failed (errno \(code))"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    /// `base` is the admin URL, e.g. `http://127.0.0.1:6060` (loopback unless allowed).
    public init(base: String, allowRemote: Bool = false, timeoutSeconds: Int = 2) throws(LoadTarget.Problem) {
        target = try LoadTarget(url: base, allowRemote: allowRemote)
        self.timeoutSeconds = timeoutSeconds
    }

    /// GETs `path` and returns the whole response.
    public func get(_ path: String) throws(Failure) -> Response {
        let fd = try connect()
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(target.authority)\r\nConnection: close\r\nUser-Agent: loadtest-watch\r\n\r\n"
        var bytes = Array(request.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw .io(errno) }
            offset += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while received.count < 64 * 1024 * 1024 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 { if errno == EINTR { continue }; throw .io(errno) }
            if n == 0 { break }
            received += buffer[0..<n]
            bytes = []
        }
        return try Self.parse(received)
    }

    func connect() throws(Failure) -> Int32 {
        let v6 = target.host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var result: Int32
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = target.port.bigEndian
            inet_pton(AF_INET6, target.host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = target.port.bigEndian
            inet_pton(AF_INET, target.host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if result != 0 {
            let code = errno
            close(fd)
            throw .connect(code)
        }
        return fd
    }

    /// Splits a whole `Connection: close` response into status and body (Content-Length,
    /// chunked, or to the end).
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.firstRange(of: separator) else { throw .malformed("no end of head") }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw .malformed("status line")
        }
        var body = Array(bytes[headEnd.upperBound...])
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            if name == "content-length", let length = Int(value), length <= body.count { body = Array(body[0..<length]) }
            if name == "transfer-encoding", value.lowercased().hasSuffix("chunked") { chunked = true }
        }
        if chunked { body = try dechunk(body) }
        return Response(status: status, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { throw .malformed("chunk size") }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { throw .malformed("chunk size") }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard start + size + 2 <= bytes.count else { throw .malformed("short chunk") }
            out += bytes[start..<(start + size)]
            index = start + size + 2
        }
        throw .malformed("no last chunk")
    }
}
