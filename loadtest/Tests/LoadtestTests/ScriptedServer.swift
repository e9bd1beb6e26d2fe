import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP server that answers every request the same scripted way, to provoke
/// each kind of client error. One thread accepts; each connection gets its own thread.
final class ScriptedServer: Sendable {
    /// What to do once a connection's first bytes have arrived.
    enum Action: Sendable {
        case reply(String)   // write these bytes (for every read), keep the connection
        case close           // close without answering
        case hold            // read on, never answer
    }

    /// Accepted sockets, closed with the server.
    final class Accepted: Sendable {
        let fds = Mutex<[Int32]>([])
    }

    let port: UInt16
    let listener: Int32
    let accepted = Accepted()

    init(_ action: Action) throws {
        let (listener, port) = try LoopbackListener.open()
        self.listener = listener
        self.port = port
        let accepted = accepted
        Thread.detachNewThread {
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 { return } // the listener was closed
                accepted.fds.withLock { $0.append(fd) }
                Thread.detachNewThread { Self.serve(fd, action) }
            }
        }
    }

    static func serve(_ fd: Int32, _ action: Action) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return }
            switch action {
            case .reply(let text):
                _ = text.utf8CString.withUnsafeBytes { send(fd, $0.baseAddress!, $0.count - 1, Int32(MSG_NOSIGNAL)) }
            case .close:
                shutdown(fd, Int32(SHUT_RDWR))
                return
            case .hold:
                continue
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in accepted.fds.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }
}

/// A port with nothing listening: bound, then closed.
func closedPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    return UInt16(bigEndian: address.sin_port)
}
