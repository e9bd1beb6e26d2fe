import Foundation
import Testing

/// A port another process listens on is refused at start, with "Address already in use"
/// naming it and a non-zero exit, even when that process set SO_REUSEPORT as the server's
/// own loops do (which would otherwise let the kernel split connections between the two).
@Suite(.serialized)
struct PortConflictTests {
    /// Runs `orders serve` with `arguments` until it exits (at most 20 s); its status and output.
    static func serve(_ arguments: [String]) throws -> (status: Int32?, output: String) {
        let process = Process()
        process.executableURL = ServerProcess.binaryURL
        process.arguments = ["serve", "--host", "127.0.0.1", "--threads", "2", "--drain-timeout", "1000",
                             "--exit-when-stdin-closes"] + arguments
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return (nil, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    enum Taken: String, CaseIterable, Sendable { case publicPort = "public", adminPort = "admin" }

    @Test(arguments: Taken.allCases)
    func secondInstanceOnATakenPortExits(_ taken: Taken) throws {
        let first = try ServerProcess()
        let port = taken == .publicPort ? first.port : first.adminPort
        let arguments = taken == .publicPort ? ["--port", "\(port)", "--admin-port", "0"] : ["--port", "0", "--admin-port", "\(port)"]
        let second = try Self.serve(arguments)
        #expect(second.status != nil && second.status != 0, "the second instance ran: \(second.output)")
        #expect(second.output.contains("127.0.0.1:\(port): Address already in use"), "\(second.output)")
        // The first instance has the port to itself: every request is answered by it.
        let responses = try first.statusesOnFreshConnections(port: first.port, paths: Array(repeating: "/plaintext", count: 20))
        #expect(responses == Array(repeating: 200, count: 20))
        #expect(first.process.isRunning)
    }

    /// Any other process's listener counts, not only another orders: here one that set
    /// SO_REUSEPORT, which the kernel alone would let the server join.
    @Test func reusePortListenerOfAnotherProgramIsRefused() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(fd, 16) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let second = try Self.serve(["--port", "\(port)", "--admin-port", "0"])
        #expect(second.status != nil && second.status != 0, "the server ran: \(second.output)")
        #expect(second.output.contains("127.0.0.1:\(port): Address already in use"), "\(second.output)")
    }

    /// One process's own loops still share the port: four loops, one port, every request answered.
    @Test func ownLoopsShareThePort() throws {
        let server = try ServerProcess(threads: 4)
        let responses = try server.statusesOnFreshConnections(port: server.port, paths: Array(repeating: "/plaintext", count: 8))
        #expect(responses == Array(repeating: 200, count: 8))
        for _ in 0..<8 { #expect(try Curl.run(["http://127.0.0.1:\(server.port)/plaintext"]).status == 200) }
    }
}

extension ServerProcess {
    /// Statuses of `paths` requested one connection each.
    func statusesOnFreshConnections(port: Int, paths: [String]) throws -> [Int] {
        try paths.map { path in
            let connection = try RawConnection(port: port)
            try connection.send("GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            return connection.readResponse()?.status ?? 0
        }
    }
}
