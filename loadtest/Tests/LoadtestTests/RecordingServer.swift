import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 server that keeps every request head it receives and answers each
/// with the same response: to see exactly what the client put on the wire.
final class RecordingServer: Sendable {
    let port: UInt16
    let listener: Int32
    let heads = Mutex<[String]>([])
    let connections = Mutex(0)
    private let fds = Mutex<[Int32]>([])

    /// `response`: the bytes sent for each request (GETs without bodies are expected).
    init(response: String = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") throws {
        let (listener, port) = try LoopbackListener.open()
        self.listener = listener
        self.port = port
        let reply = Array(response.utf8)
        Thread.detachNewThread { [self] in
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 { return }
                fds.withLock { $0.append(fd) }
                connections.withLock { $0 += 1 }
                Thread.detachNewThread { self.serve(fd, reply) }
            }
        }
    }

    /// Splits the stream at each blank line: one request head each.
    private func serve(_ fd: Int32, _ reply: [UInt8]) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return }
            pending += buffer[0..<n]
            while let range = pending.firstRange(of: end) {
                heads.withLock { $0.append(String(decoding: pending[..<range.lowerBound], as: UTF8.self)) }
                pending.removeSubrange(..<range.upperBound)
                _ = reply.withUnsafeBytes { send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    /// The value of header `name` in each request head received (nil where absent).
    func values(of name: String) -> [String?] {
        heads.withLock { $0 }.map { head in
            head.split(separator: "\r\n").dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in fds.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }
}
