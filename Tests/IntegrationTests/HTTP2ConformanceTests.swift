import Foundation
import Testing

/// The h2spec-style conformance cases of `scripts/h2-conformance.py` (RFC 9113 and RFC 7541,
/// a raw-socket client in plain Python) against the real server, over h2c and over TLS.
@Suite(.serialized)
struct HTTP2ConformanceTests {
    static let server = Result { try ServerProcess(try TestCertificate.serverArguments()) }

    /// `scripts/h2-conformance.py`, found from this file's place in the repository.
    static var script: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // IntegrationTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // the repository
            .appendingPathComponent("scripts/h2-conformance.py")
    }

    /// Runs the script and returns its exit status and everything it printed.
    static func runScript(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func everyCaseOverCleartextPriorKnowledge() throws {
        let server = try Self.server.get()
        let result = try Self.runScript(["--host", "127.0.0.1", "--port", String(server.port), "--timeout", "5"])
        #expect(result.status == 0, "h2-conformance.py failed:\n\(result.output)")
        #expect(result.output.contains(" passed, 0 failed"), "\(result.output)")
    }

    @Test func everyCaseOverTLS() throws {
        let server = try Self.server.get()
        let tlsPort = try #require(server.tlsPort)
        let result = try Self.runScript(["--host", "127.0.0.1", "--port", String(tlsPort), "--tls", "--timeout", "5"])
        #expect(result.status == 0, "h2-conformance.py --tls failed:\n\(result.output)")
        #expect(result.output.contains(" passed, 0 failed"), "\(result.output)")
    }
}
