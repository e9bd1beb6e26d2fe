import Foundation

/// A self-signed certificate for 127.0.0.1 and localhost, made once per test process with
/// the openssl CLI (the loadtest tests' own fixture; nothing is checked in).
enum CertificateFixture {
    struct Files: Sendable {
        var certificate: String
        var key: String
    }

    static let files = Result { () throws -> Files in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loadtest-tls-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw OpenSSLFailed(status: process.terminationStatus) }
        return Files(certificate: certificate, key: key)
    }

    struct OpenSSLFailed: Error { var status: Int32 }

    /// `orders serve` arguments that add a TLS listener on an ephemeral port.
    static func serverArguments() throws -> [String] {
        let files = try files.get()
        return ["--tls-cert", files.certificate, "--tls-key", files.key, "--tls-port", "0"]
    }
}
