#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One HTTP/1.1 POST to a collector over a fresh blocking socket, with timeouts on connect,
/// send and receive: the exporter's thread is the only caller, so blocking is its whole
/// point (no event loop ever waits here). One connection per batch keeps it simple; a batch
/// is sent every second at most, or every 512 spans.
enum OTLPHTTPPost {
    /// The status code, or nil when the collector could not be reached or did not answer.
    static func send(_ body: [UInt8], to endpoint: OTLPEndpoint, timeoutMilliseconds: Int) -> Int? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let candidate = address {
            if let status = post(body, endpoint: endpoint, address: candidate.pointee, timeoutMilliseconds: timeoutMilliseconds) {
                return status
            }
            address = candidate.pointee.ai_next
        }
        return nil
    }

    private static func post(_ body: [UInt8], endpoint: OTLPEndpoint, address: addrinfo, timeoutMilliseconds: Int) -> Int? {
        let fd = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // SO_SNDTIMEO bounds a blocking connect on Linux too.
        guard connect(fd, address.ai_addr, address.ai_addrlen) == 0 else { return nil }
        let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        let head = "POST \(endpoint.path) HTTP/1.1\r\nHost: \(host):\(endpoint.port)\r\n"
            + "Content-Type: application/x-protobuf\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        guard writeAll(fd, Array(head.utf8)), writeAll(fd, body) else { return nil }
        // The status line is all that matters; the rest of the answer is read and discarded.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 64 * 1024 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]) } else if n < 0 && errno == EINTR { continue } else { break }
            if received.firstIndex(of: UInt8(ascii: "\n")) != nil { break }
        }
        // A whole status line only: a fragment cut by a timeout or a reset is no answer.
        guard let end = received.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let statusLine = String(decoding: received[..<end].prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].utf8.count == 3,
              parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let status = Int(parts[1]) else { return nil }
        return status
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}
