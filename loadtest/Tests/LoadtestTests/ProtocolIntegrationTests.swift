import Foundation
import LoadTest
import Testing

/// HTTP/1.1, h2c and TLS (h2 or http/1.1 by ALPN) against the real server: every request
/// the client counts, the server counted once, and the protocol is the one asked for.
@Suite(.serialized)
struct ProtocolIntegrationTests {
    static let server = Result { try OrdersServer(CertificateFixture.serverArguments() + ["--disable-access-log"]) }

    /// GETs, a POST with a body (DATA frames in h2), a HEAD (no body), and 404s.
    static let scenario = """
        {
          "seed": 5,
          "variables": {"order_id": {"min": 1, "max": 500}},
          "requests": [
            {"name": "plaintext", "weight": 3, "path": "/plaintext"},
            {"name": "map", "weight": 2, "path": "/api/v1/order/map?ids={order_id},{order_id}"},
            {"name": "map POST", "weight": 2, "method": "POST", "path": "/api/v1/order/map",
             "headers": {"Content-Type": "application/json"}, "body": "{\\"ids\\":[{order_id},{order_id}]}"},
            {"name": "user", "weight": 1, "path": "/api/v1/user/fetch?name=nobody"},
            {"name": "head", "weight": 1, "method": "HEAD", "path": "/json"}
          ]
        }
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var tls: Bool
        var arguments: [String]
        var protocolName: String
        var speaksH2: Bool
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "HTTP/1.1, pipelined", tls: false, arguments: ["--pipeline", "4"], protocolName: "http/1.1", speaksH2: false),
        Case(name: "h2c", tls: false, arguments: ["--h2c", "--streams", "8"], protocolName: "h2c", speaksH2: true),
        Case(name: "h2 over TLS by ALPN", tls: true, arguments: ["-k", "--streams", "8"], protocolName: "tls", speaksH2: true),
        Case(name: "http/1.1 over TLS by ALPN", tls: true, arguments: ["-k", "--http1"], protocolName: "tls", speaksH2: false),
    ]

    static func count(_ metrics: PrometheusText) -> Int {
        Int(metrics.sum("http_request_duration_seconds_count", where: { _ in true }))
    }

    @Test(arguments: cases)
    func countsMatchTheServer(_ test: Case) throws {
        let server = try Self.server.get()
        let port = test.tls ? try #require(server.tlsPort) : server.port
        let scenario = try temporaryFile(Self.scenario)
        let before = try server.metrics()
        let run = try runLoadtest(["\(test.tls ? "https" : "http")://127.0.0.1:\(port)", "--scenario", scenario,
                                   "--requests", "1500", "-c", "3", "--threads", "2", "--timeout", "10s"] + test.arguments)
        #expect(run.status == 0, "\(run.output)")
        let after = try server.metrics()
        let requests = try #require(run.report["requests"] as? [String: Any], "\(run.output)")
        #expect(requests["responses"] as? Int == 1500, "\(run.output)")
        #expect(requests["failed"] as? Int == 0)
        #expect(Self.count(after) - Self.count(before) == 1500, "the server counted every request once")
        let connects = try #require(requests["connects"] as? Int)
        #expect(connects >= 3)
        #expect(requests["connects_h2"] as? Int == (test.speaksH2 ? connects : 0))
        let timeline = try #require(run.report["timeline"] as? [[String: Any]])
        #expect(timeline.reduce(0) { $0 + ($1["responses"] as? Int ?? 0) } == 1500, "every response is in one second")
        #expect(timeline.enumerated().allSatisfy { $0.element["second"] as? Int == $0.offset })
        let config = try #require(run.report["config"] as? [String: Any])
        #expect(config["protocol"] as? String == test.protocolName)
        let statuses = try #require(run.report["status_counts"] as? [String: Int])
        #expect(statuses["200", default: 0] > 0 && statuses["404", default: 0] > 0, "\(statuses)")
        let entries = try #require(run.report["by_request"] as? [[String: Any]])
        let post = try #require(entries.first { $0["name"] as? String == "map POST" })
        #expect((post["status_counts"] as? [String: Int])?["200", default: 0] == post["responses"] as? Int,
                "every POST body arrived whole: \(post)")
    }

    /// A server that allows 2 streams per connection while the client may open 50: no stream
    /// is refused and no connection replaced. (This server tolerates early excess streams,
    /// so the check guards against refusals and resets, not against the count itself.)
    @Test(arguments: [false, true])
    func streamsStayWithinTheServersLimit(tls: Bool) throws {
        let server = try OrdersServer(CertificateFixture.serverArguments() + ["--disable-access-log", "--h2-max-concurrent-streams", "2"])
        let url = tls ? "https://127.0.0.1:\(try #require(server.tlsPort))/plaintext" : "http://127.0.0.1:\(server.port)/plaintext"
        let run = try runLoadtest([url, tls ? "-k" : "--h2c", "--streams", "50", "-c", "2", "--requests", "2000",
                                   "--duration", "10s", "--max-error-rate", "0"])
        #expect(run.status == 0, "\(run.output)")
        let requests = try #require(run.report["requests"] as? [String: Any])
        #expect(requests["responses"] as? Int == 2000)
        #expect(requests["connects"] as? Int == 2, "no connection was replaced")
    }

    @Test func openLoopOverH2cHoldsTheRate() throws {
        let server = try Self.server.get()
        let run = try runLoadtest(["http://127.0.0.1:\(server.port)/plaintext", "--h2c", "--rate", "1000",
                                   "--duration", "2s", "-c", "2"])
        #expect(run.status == 0, "\(run.output)")
        let requests = try #require(run.report["requests"] as? [String: Any])
        let responses = try #require(requests["responses"] as? Int)
        #expect(abs(responses - 2000) <= 40, "\(responses) responses at 1000/s for 2 s")
    }

    /// (arguments, whether the handshakes succeed)
    @Test(arguments: [
        ([String](), false),                   // the system store does not know the self-signed issuer
        (["--cacert", "CERT"], true),          // trusted explicitly
        (["-k"], true),                         // not verified
    ])
    func certificateVerification(arguments: [String], succeeds: Bool) throws {
        let server = try Self.server.get()
        let certificate = try CertificateFixture.files.get().certificate
        let port = try #require(server.tlsPort)
        for host in ["127.0.0.1", "localhost"] {  // an IP SAN and a DNS SAN
            let run = try runLoadtest(["https://\(host):\(port)/plaintext", "--requests", "50", "--duration", "2s", "-c", "1", "--timeout", "1s",
                                       "--max-error-rate", "0"] + arguments.map { $0 == "CERT" ? certificate : $0 })
            let requests = try #require(run.report["requests"] as? [String: Any], "\(run.output)")
            if succeeds {
                #expect(run.status == 0, "\(run.output)")
                #expect(requests["responses"] as? Int == 50)
                #expect(requests["tls_failures"] as? Int == 0)
            } else {
                #expect(run.status == 1, "\(run.output)")
                #expect(requests["responses"] as? Int == 0)
                #expect((requests["tls_failures"] as? Int ?? 0) > 0, "\(run.output)")
            }
        }
    }
}
