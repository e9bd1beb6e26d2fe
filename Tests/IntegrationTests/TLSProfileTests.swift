import Foundation
import Testing

/// `--tls-profile`, against the openssl CLI: both profiles exchange keys over X25519, P-256
/// and P-384 only; intermediate takes TLS 1.2 and 1.3, modern TLS 1.3 only.
@Suite(.serialized)
struct TLSProfileTests {
    static let intermediate = Result { try ServerProcess(try TestCertificate.serverArguments()) }
    static let modern = Result { try ServerProcess(try TestCertificate.serverArguments() + ["--tls-profile", "modern"]) }

    static func handshake(_ server: ServerProcess, _ options: [String]) throws -> (established: Bool, output: String) {
        let port = try #require(server.tlsPort)
        let run = try TLSTests.openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-brief"] + options)
        return (run.output.contains("CONNECTION ESTABLISHED"), run.output)
    }

    /// What `-brief` prints as "Server Temp Key" for each group.
    static let tempKey = ["X25519": "X25519", "P-256": "ECDH, prime256v1", "P-384": "ECDH, secp384r1"]

    @Test(arguments: ["X25519", "P-256", "P-384"])
    func intermediateTakesTheProfilesGroupsOverTLS13(_ group: String) throws {
        let run = try Self.handshake(try Self.intermediate.get(), ["-groups", group, "-tls1_3"])
        #expect(run.established, "\(group) was refused: \(run.output)")
        #expect(run.output.contains("Protocol version: TLSv1.3"), "\(run.output)")
        #expect(run.output.contains("Server Temp Key: \(Self.tempKey[group]!)"), "\(run.output)")
    }

    /// Over TLS 1.2 a client's groups also bound the certificate's curve (RFC 8422 §5.1.1),
    /// so P-256, the test certificate's, is offered after the group under test. The
    /// server's order puts X25519 first, so P-384 is not shown here (TLS 1.3 shows it).
    @Test(arguments: [("X25519:P-256", "X25519"), ("P-256", "ECDH, prime256v1")])
    func intermediateTakesTLS12(_ groups: String, _ key: String) throws {
        let run = try Self.handshake(try Self.intermediate.get(), ["-groups", groups, "-tls1_2"])
        #expect(run.established, "\(groups) was refused: \(run.output)")
        #expect(run.output.contains("Protocol version: TLSv1.2"), "\(run.output)")
        #expect(run.output.contains("Server Temp Key: \(key)"), "\(run.output)")
    }

    @Test(arguments: ["X448", "P-521", "X448:P-521"])
    func intermediateRefusesOtherGroups(_ groups: String) throws {
        let run = try Self.handshake(try Self.intermediate.get(), ["-groups", groups, "-tls1_3"])
        #expect(!run.established, "\(groups) was accepted: \(run.output)")
    }

    @Test(arguments: ["X25519", "P-256", "P-384"])
    func modernTakesTLS13WithTheProfilesGroups(_ group: String) throws {
        let run = try Self.handshake(try Self.modern.get(), ["-groups", group])
        #expect(run.established, "\(group) was refused: \(run.output)")
        #expect(run.output.contains("Protocol version: TLSv1.3"), "\(run.output)")
        #expect(run.output.contains("Server Temp Key: \(Self.tempKey[group]!)"), "\(run.output)")
    }

    @Test(arguments: [["-tls1_2"], ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-groups", "X25519:P-256"],
                      ["-groups", "X448"], ["-groups", "P-521"]])
    func modernRefusesTLS12AndOtherGroups(_ options: [String]) throws {
        let run = try Self.handshake(try Self.modern.get(), options)
        #expect(!run.established, "\(options) was accepted: \(run.output)")
    }

    /// A profile that does not exist is a usage error: exit 64 and a message naming the option.
    @Test func unknownProfileExits64() throws {
        let process = Process()
        process.executableURL = ServerProcess.binaryURL
        process.arguments = ["serve", "--port", "0", "--admin-port", "0", "--tls-profile", "old"] + (try TestCertificate.serverArguments())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("--tls-profile"), "\(text)")
        #expect(text.contains("intermediate") && text.contains("modern"), "\(text)")
    }
}
