import LoadTest
import Testing

@Suite struct LoadTargetTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/plaintext", "127.0.0.1", 8080, "/plaintext"),
        ("http://localhost:9000", "127.0.0.1", 9000, "/"),
        ("http://127.1.2.3/x?y=1", "127.1.2.3", 80, "/x?y=1"),
        ("http://[::1]:7000/a", "::1", 7000, "/a"),
        ("http://127.0.0.1:1?q", "127.0.0.1", 1, "/?q"),
    ] as [(String, String, UInt16, String)])
    func acceptsLoopback(url: String, host: String, port: UInt16, path: String) throws {
        let target = try LoadTarget(url: url)
        #expect(target.host == host)
        #expect(target.port == port)
        #expect(target.path == path)
    }

    @Test(arguments: [
        ("http://10.0.0.1:80/", LoadTarget.Problem.notLoopback("10.0.0.1")),
        ("http://[2001:db8::1]/", .notLoopback("2001:db8::1")),
        ("ftp://127.0.0.1/", .unsupportedScheme("ftp://127.0.0.1/")),
        ("https://example.com/", .malformed("https://example.com/")),
        ("http://example.com/", .malformed("http://example.com/")),
        ("http://127.0.0.1:0/", .malformed("http://127.0.0.1:0/")),
        ("http://127.0.0.1:99999/", .malformed("http://127.0.0.1:99999/")),
        ("127.0.0.1:80", .malformed("127.0.0.1:80")),
    ])
    func refuses(url: String, problem: LoadTarget.Problem) {
        #expect(throws: problem) { try LoadTarget(url: url) }
    }

    @Test(arguments: [
        // (url, tls, port, server name)
        ("http://localhost/", false, UInt16(80), "localhost"),
        ("https://localhost/", true, 443, "localhost"),
        ("https://127.0.0.1:8443/x", true, 8443, "127.0.0.1"),
        ("https://[::1]/", true, 443, "::1"),
    ])
    func schemeSelectsTLSAndDefaultPort(url: String, tls: Bool, port: UInt16, serverName: String) throws {
        let target = try LoadTarget(url: url)
        #expect(target.tls == tls)
        #expect(target.port == port)
        #expect(target.serverName == serverName)
    }

    @Test func remoteTargetsNeedTheFlag() throws {
        #expect(try LoadTarget(url: "http://10.0.0.1:80/", allowRemote: true).host == "10.0.0.1")
    }
}
