#if canImport(Glibc)
import Glibc
#endif

/// The exporter's HTTP/1.1 client: POSTs over one blocking socket that stays open from
/// batch to batch, with timeouts on connect, send and receive. The exporter's thread is its
/// only user, so blocking is its whole point (no event loop ever waits here).
///
/// A batch used to go over a connection of its own, with the name resolved again each time:
/// the handshake, the close and the resolver's file checks cost the exporter more than the
/// spans' bytes did (about 0.5 µs a span at 512 spans a batch). The collector may close a
/// kept connection between batches; a batch that finds its connection closed or reset
/// before any byte of an answer then goes once more over a fresh connection (a timeout
/// does not: the collector may be slow, not gone).
final class OTLPHTTPClient {
    private let endpoint: OTLPEndpoint
    private let timeoutMilliseconds: Int
    /// The request head up to the length: the same for every batch.
    private let headPrefix: [UInt8]
    /// The open connection, or -1.
    private var socket: Int32 = -1
    /// Where the collector was last reached: resolved again only after a failed connect.
    private var address: (storage: sockaddr_storage, length: socklen_t)?

    /// A client for `endpoint`; each connect, send and receive waits `timeoutMilliseconds` at most.
    init(endpoint: OTLPEndpoint, timeoutMilliseconds: Int) {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        headPrefix = Array("POST \(endpoint.path) HTTP/1.1\r\nHost: \(host):\(endpoint.port)\r\nContent-Type: application/x-protobuf\r\nContent-Length: ".utf8)
    }

    deinit { disconnect() }

    /// POSTs `body`; the status code, or nil when the collector could not be reached or did
    /// not answer in time.
    func post(_ body: [UInt8]) -> Int? {
        if socket >= 0 {
            switch exchange(body) {
            case .answered(let status, let keepOpen):
                if !keepOpen { disconnect() }
                return status
            case .closedBeforeAnswer:
                disconnect()  // closed by the collector since the last batch: try a fresh one
            case .failed:
                disconnect()
                return nil
            }
        }
        guard connect() else { return nil }
        switch exchange(body) {
        case .answered(let status, let keepOpen):
            if !keepOpen { disconnect() }
            return status
        case .closedBeforeAnswer, .failed:
            disconnect()
            return nil
        }
    }

    private enum Outcome {
        case answered(status: Int, keepOpen: Bool)
        /// The connection was closed or reset before any byte of an answer: the collector
        /// closed it while idle, so the request went nowhere.
        case closedBeforeAnswer
        /// A timeout, or a broken answer: the collector may have the batch (no second try
        /// on this call; the exporter's backoff decides).
        case failed
    }

    private func exchange(_ body: [UInt8]) -> Outcome {
        let head = headPrefix + Array("\(body.count)\r\n\r\n".utf8)
        guard writeAll(head), writeAll(body) else { return Self.isClosed(errno) ? .closedBeforeAnswer : .failed }
        return readAnswer()
    }

    /// Whether a failed call's `errno` means the peer closed or reset the connection (as
    /// opposed to a timeout).
    private static func isClosed(_ error: Int32) -> Bool {
        error == EPIPE || error == ECONNRESET || error == ENOTCONN
    }

    /// Reads the status line and the fields, then the body when its length is given (so
    /// that the connection can carry the next batch); anything else closes it afterwards.
    private func readAnswer() -> Outcome {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headEnd: Int?
        while headEnd == nil {
            guard received.count < 64 * 1024 else { return .failed }
            let n = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return received.isEmpty && (n == 0 || Self.isClosed(errno)) ? .closedBeforeAnswer : .failed }
            received.append(contentsOf: buffer[0..<n])
            headEnd = Self.endOfHead(in: received)
        }
        guard let headEnd, let answer = Self.parseHead(received[..<headEnd]) else { return .failed }
        // The length given, or the answer ends with the connection: then it is not read.
        guard let length = answer.contentLength, length <= 1 << 20 else {
            return .answered(status: answer.status, keepOpen: false)
        }
        var bodyReceived = received.count - headEnd
        while bodyReceived < length {
            let n = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, min($0.count, length - bodyReceived)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .answered(status: answer.status, keepOpen: false) }
            bodyReceived += n
        }
        return .answered(status: answer.status, keepOpen: answer.keepAlive && bodyReceived == length)
    }

    /// The offset just past the blank line that ends the head, once it has arrived.
    static func endOfHead(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
            if bytes[index - 1] == UInt8(ascii: "\r"), bytes[index - 2] == UInt8(ascii: "\n"), bytes[index - 3] == UInt8(ascii: "\r") {
                return index + 1
            }
        }
        return nil
    }

    /// What a client needs of an answer's head: its status, the body's length when given,
    /// and whether the connection may carry another request.
    struct AnswerHead: Equatable {
        var status: Int
        var contentLength: Int?
        var keepAlive: Bool
    }

    /// The status line and the fields that decide the connection's fate; nil for a head
    /// that is not HTTP/1.x.
    static func parseHead(_ head: ArraySlice<UInt8>) -> AnswerHead? {
        let lines = head.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self) }
        guard let statusLine = lines.first else { return nil }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].utf8.count == 3,
              parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let status = Int(parts[1]) else { return nil }
        // HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes it.
        var answer = AnswerHead(status: status, contentLength: nil, keepAlive: parts[0] == "HTTP/1.1")
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces.lowercased()
            switch name {
            case "content-length":
                // Two different lengths mean no length to trust.
                guard let length = Int(value), length >= 0, answer.contentLength == nil || answer.contentLength == length else {
                    answer.keepAlive = false
                    answer.contentLength = nil
                    return answer
                }
                answer.contentLength = length
            case "transfer-encoding": chunked = true
            case "connection":
                if value.split(separator: ",").contains(where: { $0.trimmingSpaces == "close" }) { answer.keepAlive = false }
            default: break
            }
        }
        // A chunked answer is not read: its connection is not kept.
        if chunked {
            answer.contentLength = nil
            answer.keepAlive = false
        } else if answer.contentLength == nil && (status == 204 || status == 304) {
            answer.contentLength = 0  // no body by definition
        }
        return answer
    }

    /// Resolves the endpoint when it has no address yet (or its last connect failed), and
    /// connects to the first address that answers.
    private func connect() -> Bool {
        if let address, let fd = open(address.storage, address.length) {
            socket = fd
            return true
        }
        address = nil
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &results) == 0 else { return false }
        defer { freeaddrinfo(results) }
        var candidate = results
        while let entry = candidate?.pointee {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: entry.ai_addr, count: Int(entry.ai_addrlen))) }
            if let fd = open(storage, entry.ai_addrlen) {
                socket = fd
                address = (storage, entry.ai_addrlen)
                return true
            }
            candidate = entry.ai_next
        }
        return false
    }

    /// A connected socket with the timeouts set, or nil.
    private func open(_ storage: sockaddr_storage, _ length: socklen_t) -> Int32? {
        let fd = Glibc.socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The head and the body go in two writes: without this, the body's last segment
        // could wait for the collector's delayed acknowledgement of the head.
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        // SO_SNDTIMEO bounds a blocking connect on Linux too.
        let connected = withUnsafePointer(to: storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) == 0 }
        }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    private func disconnect() {
        if socket >= 0 { close(socket) }
        socket = -1
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}

extension StringProtocol where SubSequence == Substring {
    /// Without leading and trailing spaces and tabs (an HTTP field's optional whitespace).
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let start = firstIndex { !isSpace($0) } ?? endIndex
        let end = lastIndex { !isSpace($0) }.map(index(after:)) ?? start
        return self[start..<Swift.max(start, end)]
    }
}
