import Foundation
import Testing

/// `Cache-Control` on every kind of answer, against the real binary: API data, probes and
/// every error say `no-store` (a shared cache must not keep order data, nor serve a stale
/// 404 or 503); the benchmark routes keep the peers' exact shape; the admin listener says
/// `no-store` on everything.
@Suite(.serialized)
struct CachingTests {
    static let server = Result { try ServerProcess() }

    /// One request and the `Cache-Control` its answer must carry (nil: none at all).
    struct Case: Sendable, CustomTestStringConvertible {
        var what: String
        var curl: [String]
        var path: String
        var status: Int
        var cacheControl: String?
        var admin = false

        var testDescription: String { what }
    }

    static let json = ["-H", "Content-Type: application/json"]

    static let cases: [Case] = [
        Case(what: "/plaintext keeps the peers' shape", curl: [], path: "/plaintext", status: 200, cacheControl: nil),
        Case(what: "/json keeps the peers' shape", curl: [], path: "/json", status: 200, cacheControl: nil),
        Case(what: "GET /payload is the same bytes for a URL", curl: [], path: "/payload?size=16", status: 200, cacheControl: nil),
        Case(what: "POST /payload", curl: ["--data-binary", "abc"], path: "/payload", status: 200, cacheControl: nil),
        Case(what: "/healthz", curl: [], path: "/healthz", status: 200, cacheControl: "no-store"),
        Case(what: "/readyz", curl: [], path: "/readyz", status: 200, cacheControl: "no-store"),
        Case(what: "GET order map", curl: [], path: "/api/v1/order/map?ids=1,2", status: 200, cacheControl: "no-store"),
        Case(what: "POST order map", curl: json + ["-d", #"{"ids":[1,2]}"#], path: "/api/v1/order/map", status: 200, cacheControl: "no-store"),
        Case(what: "user fetch", curl: [], path: "/api/v1/user/fetch?name=alice", status: 200, cacheControl: "no-store"),
        Case(what: "HEAD order map", curl: ["-I"], path: "/api/v1/order/map?ids=1", status: 200, cacheControl: "no-store"),
        // An error of each kind the Swift side gives.
        Case(what: "404 not_found", curl: [], path: "/nowhere", status: 404, cacheControl: "no-store"),
        Case(what: "405 method_not_allowed", curl: ["-X", "DELETE"], path: "/plaintext", status: 405, cacheControl: "no-store"),
        Case(what: "400 missing_parameter", curl: [], path: "/api/v1/order/map", status: 400, cacheControl: "no-store"),
        Case(what: "400 invalid_parameter", curl: [], path: "/api/v1/order/map?ids=x", status: 400, cacheControl: "no-store"),
        Case(what: "400 invalid_body", curl: json + ["-d", "[1]"], path: "/api/v1/order/map", status: 400, cacheControl: "no-store"),
        Case(what: "415 unsupported_media_type", curl: ["-H", "Content-Type: text/plain", "-d", "x"], path: "/api/v1/order/map",
             status: 415, cacheControl: "no-store"),
        Case(what: "404 user_not_found", curl: [], path: "/api/v1/user/fetch?name=nobody", status: 404, cacheControl: "no-store"),
        // The admin listener: every answer is a snapshot of the process.
        Case(what: "admin /metrics", curl: [], path: "/metrics", status: 200, cacheControl: "no-store", admin: true),
        Case(what: "admin /debug/vars", curl: [], path: "/debug/vars", status: 200, cacheControl: "no-store", admin: true),
        Case(what: "admin /debug/tasks", curl: [], path: "/debug/tasks?debug=1", status: 200, cacheControl: "no-store", admin: true),
        Case(what: "admin /debug/faults", curl: [], path: "/debug/faults", status: 200, cacheControl: "no-store", admin: true),
        Case(what: "admin 404", curl: [], path: "/nowhere", status: 404, cacheControl: "no-store", admin: true),
        Case(what: "admin 400", curl: json + ["-d", "not json"], path: "/debug/faults", status: 400, cacheControl: "no-store", admin: true),
    ]

    /// The values of `name` in curl's dump of the response head (`-D`).
    static func values(_ name: String, in headers: String) -> [String] {
        headers.split(separator: "\r\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    @Test(arguments: cases)
    func cacheControl(_ test: Case) throws {
        let server = try Self.server.get()
        let port = test.admin ? server.adminPort : server.port
        for protocolFlag in ["--http1.1", "--http2-prior-knowledge"] {
            let result = try Curl.run(test.curl + [protocolFlag, "-o", "/dev/null", "http://127.0.0.1:\(port)\(test.path)"])
            #expect(result.status == test.status, "\(protocolFlag): \(result.headers)")
            let expected = test.cacheControl.map { [$0] } ?? []
            #expect(Self.values("Cache-Control", in: result.headers) == expected, "\(protocolFlag): \(result.headers)")
        }
    }

    /// The shim's own refusals (a malformed request never reaches Swift) say no-store too.
    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\nBad Field\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        ("POST /plaintext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ])
    func shimErrorsAreNotStored(_ request: String, _ status: Int) throws {
        let server = try Self.server.get()
        let connection = try RawConnection(port: server.port)
        try connection.send(request)
        let response = try #require(connection.readResponse())
        #expect(response.status == status)
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Content-Type") == "application/json")
    }
}
