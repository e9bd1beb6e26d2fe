import Foundation
import Testing

/// TLS on the public listener, against the openssl CLI and curl.
@Suite(.serialized)
struct TLSTests {
    static let server = Result { try ServerProcess(try TestCertificate.serverArguments() + ["--handshake-timeout", "500"]) }

    static func openssl(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Clients that hang up without close_notify, mid-exchange, a thousand times over: the
    /// server neither dies (SIGPIPE from OpenSSL's writes) nor treats it as an error.
    @Test func abruptClientsDoNotHurtTheServer() throws {
        let server = try Self.server.get()
        let tlsPort = try #require(server.tlsPort)
        let run = try Self.openssl(["s_time", "-connect", "127.0.0.1:\(tlsPort)", "-new", "-time", "1"])
        #expect(run.output.contains("connections in"), "s_time said: \(run.output)")
        #expect(server.process.isRunning)
        let files = try TestCertificate.files.get()
        #expect(try Curl.run(["--cacert", files.certificate, "https://127.0.0.1:\(tlsPort)/plaintext"]).status == 200)
    }

    @Test(arguments: [
        (["-tls1_1"], "TLS 1.1"),
        (["-tls1_2", "-cipher", "AES128-SHA"], "a CBC cipher without forward secrecy"),
        (["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256"], "a non-AEAD cipher"),
    ])
    func weakProtocolsAndCiphersAreRefused(_ options: [String], _ what: String) throws {
        let server = try Self.server.get()
        let tlsPort = try #require(server.tlsPort)
        let run = try Self.openssl(["s_client", "-connect", "127.0.0.1:\(tlsPort)", "-brief"] + options)
        #expect(!run.output.contains("CONNECTION ESTABLISHED"), "\(what) was accepted: \(run.output)")
    }

    @Test(arguments: [("h2", "h2"), ("http/1.1", "http/1.1"), ("h2,http/1.1", "h2"), ("http/1.1,h2", "h2")])
    func alpnPrefersH2(_ offered: String, _ chosen: String) throws {
        let server = try Self.server.get()
        let tlsPort = try #require(server.tlsPort)
        let run = try Self.openssl(["s_client", "-connect", "127.0.0.1:\(tlsPort)", "-alpn", offered])
        #expect(run.output.contains("ALPN protocol: \(chosen)\n"), "openssl said: \(run.output)")
        #expect(run.output.contains("New, TLSv1.3"))
    }

    /// A client that connects and never handshakes is closed at the handshake timeout.
    @Test func silentClientIsClosedAtTheHandshakeTimeout() throws {
        let server = try Self.server.get()
        let connection = try RawConnection(port: try #require(server.tlsPort), receiveTimeout: 3)
        let started = Date()
        #expect(connection.readResponse() == nil)
        #expect(connection.sawEOF, "closed by the server, not by our receive timeout")
        #expect(Date().timeIntervalSince(started) < 2.5)
    }
}
