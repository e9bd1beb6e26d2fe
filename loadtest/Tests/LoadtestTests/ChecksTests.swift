import CLoadClient
import Foundation
import LoadTest
import Testing

/// Scenario checks (`expect`): parsing and validation, JSON pointers, and what a response
/// passes or fails.
@Suite struct ChecksTests {
    static let document = try! JSONDecoder().decode(JSONValue.self, from: Data("""
        {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\\\j": 5,
         "k\\"l": 6, " ": 7, "m~n": 8, "n": {"x": [10, {"y": null}]}}
        """.utf8))

    /// RFC 6901 section 5's examples, and steps that name nothing.
    @Test(arguments: [
        ("", nil as String?), ("/foo", #"["bar","baz"]"#), ("/foo/0", #""bar""#), ("/", "0"), ("/a~1b", "1"),
        ("/c%d", "2"), ("/e^f", "3"), ("/g|h", "4"), ("/i\\j", "5"), ("/k\"l", "6"), ("/ ", "7"), ("/m~0n", "8"),
        ("/n/x/1/y", "null"), ("/foo/2", "none"), ("/foo/01", "none"), ("/foo/-", "none"), ("/nope", "none"),
        ("/foo/0/x", "none"),
    ])
    func pointersResolveAsRFC6901Says(pointer: String, expected: String?) throws {
        let resolved = try JSONPointer(pointer).resolve(in: Self.document)
        if let expected {
            #expect((resolved?.description ?? "none") == expected)
        } else {
            #expect(resolved == Self.document, "the empty pointer is the whole document")
        }
    }

    @Test(arguments: ["a", "/a~", "/a~2", "/~x/b"])
    func malformedPointersAreRefused(pointer: String) {
        #expect(throws: JSONPointer.Problem.self) { try JSONPointer(pointer) }
    }

    @Test(arguments: [
        (#"{"status": [700]}"#, "expect.status 700 is not within 100...599"),
        (#"{"status": [99, 200]}"#, "expect.status 99 is not within 100...599"),
        (#"{"status": []}"#, "expect.status is empty"),
        (#"{}"#, "expect has no checks"),
        (#"{"body_contains": ""}"#, "expect.body_contains is empty"),
        (#"{"json": {}}"#, "expect.json is empty"),
        (#"{"json": {"name": "alice"}}"#, "must be empty or start with /"),
        (#"{"json": {"/a~2": 1}}"#, "~ must be followed by 0 or 1"),
        (#"{"stauts": [200]}"#, "unknown key \"stauts\""),
        (#"{"status": 200}"#, "wrong type"),
    ])
    func rejectsBadExpectations(expect: String, message: String) {
        let json = #"{"requests": [{"path": "/x", "expect": \#(expect)}]}"#
        #expect {
            try Scenario.parse(json: Data(json.utf8))
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("scenario")
        }
    }

    @Test func parsesAnExpectation() throws {
        let scenario = try Scenario.parse(json: Data("""
            {"requests": [{"path": "/a", "expect": {"status": [200, 404], "body_contains": "ok",
                                                    "json": {"/id": 1, "/tags": ["x"], "/n": null}}},
                          {"path": "/b", "expect": {"status": [204]}}, {"path": "/c"}]}
            """.utf8))
        let expect = try #require(scenario.requests[0].expect)
        #expect(expect.status == [200, 404])
        #expect(expect.bodyContains == "ok")
        #expect(expect.json == ["/id": .integer(1), "/tags": .array([.string("x")]), "/n": .null])
        #expect(scenario.requests.map { $0.expect?.readsBody } == [true, false, nil])
    }

    /// (body, the value it parses to as compact JSON, or nil when it is not JSON)
    @Test(arguments: [
        (#" {"a": [1, -2.5, 3e2, true, false, null], "b": "x\"y\\z\/\n"} "#, #"{"a":[1,-2.5,300,true,false,null],"b":"x\"y\\z/\n"}"#),
        (#""\u00e9\ud83d\ude00 é""#, #""é😀 é""#),
        ("9223372036854775807", "9223372036854775807"),
        ("9223372036854775808", "9.223372036854776e+18"), // past Int64: a Double
        ("0", "0"), ("-0.0", "0"), ("[]", "[]"), ("{}", "{}"),
        ("", nil), ("{", nil), ("[1,]", nil), (#"{"a" 1}"#, nil), ("01", nil), ("1.", nil), (".5", nil), ("1e", nil),
        ("tru", nil), ("nulll", nil), (#""\ud83d""#, nil), (#""\x""#, nil), ("\"a\nb\"", nil), ("[1] [2]", nil),
        (String(repeating: "[", count: 600) + String(repeating: "]", count: 600), nil),
    ] as [(String, String?)])
    func parsesBodiesAsJSON(text: String, expected: String?) {
        let parsed = Data(text.utf8).withUnsafeBytes { JSONValue.parse($0) }
        #expect(parsed?.description == expected)
    }

    static let checks = ResponseChecks(Scenario.Expectation(
        status: [200, 404], bodyContains: "\"name\":", json: ["/name": .string("alice"), "/id": .number(1.0), "/tier/0": .bool(true)]))

    /// (status, body, the checks that fail)
    @Test(arguments: [
        (200, #"{"id": 1, "name": "alice", "tier": [true]}"#, [String]()),
        (404, #"{"id": 1.0, "name": "alice", "tier": [true, 2]}"#, []),
        (500, #"{"id": 1, "name": "alice", "tier": [true]}"#, ["status"]),
        (200, #"{"id": 2, "name": "bob", "tier": [true]}"#, ["json /id", "json /name"]),
        (200, #"{"id": "1", "name": "alice", "tier": [1]}"#, ["json /id", "json /tier/0"]),
        (200, #"{"id": 1, "nam": "alice"}"#, ["body_contains", "json /name", "json /tier/0"]),
        (200, #"<html>"name": alice</html>"#, ["json /id", "json /name", "json /tier/0"]),
    ])
    func responsesPassOrFail(status: Int, body: String, failing: [String]) {
        let failures = Data(body.utf8).withUnsafeBytes { Self.checks.failures(status: status, body: $0) }
        #expect(failures.map { Self.checks.names[$0.check] }.sorted() == failing, "\(failures)")
    }

    @Test func aBodyTooLargeToKeepFailsItsBodyChecksWithAReason() {
        let failures = Self.checks.failures(status: 200, body: nil)
        #expect(failures.count == 4, "body_contains and three pointers; the status still passes")
        #expect(failures.allSatisfy { $0.reason.contains("longer than 64 KiB") })
    }

    @Test func reasonsSayWhatWasFound() throws {
        let failures = Data(#"{"id": 2, "name": "bob", "tier": [true]}"#.utf8).withUnsafeBytes { Self.checks.failures(status: 503, body: $0) }
        #expect(failures.map(\.reason) == [
            "status 503 is not one of 200, 404",
            "json /id is 2, expected 1",
            "json /name is \"bob\", expected \"alice\"",
        ])
    }
}

/// `--trace`: the traceparent values the client writes.
@Suite struct TraceContextTests {
    static func traceparent(_ prefix: UInt64, _ seq: UInt64, _ below: UInt64) -> String {
        var bytes = [CChar](repeating: 0, count: Int(LC_TRACEPARENT_LEN))
        lc_trace_format(prefix, seq, below, &bytes)
        return String(decoding: bytes.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }


    @Test func everyValueIsAValidDistinctTraceparent() {
        let prefix = TraceSettings().loop(3, runPrefix: 0x1234_5678_9abc_def0).prefix
        let values = (0..<20_000).map { Self.traceparent(prefix, UInt64($0), .max) }
        #expect(values.allSatisfy { $0.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]/) != nil })
        #expect(Set(values.map { $0.dropFirst(3).prefix(32) }).count == values.count, "a new trace id per request")
        #expect(values.allSatisfy { $0.hasPrefix("00-123456789abcde03") }, "the loop's prefix, its index last")
        #expect(values.allSatisfy { !$0.contains("-0000000000000000-") && $0.hasSuffix("-01") })
    }

    @Test(arguments: [0.0, 0.01, 0.25, 0.5, 0.9, 1.0])
    func theSampledShareIsTheFractionAskedFor(fraction: Double) {
        let settings = TraceSettings(sampling: fraction)
        let count = 40_000
        let sampled = (0..<count).filter { Self.traceparent(7 << 8, UInt64($0), settings.sampledBelow).hasSuffix("-01") }.count
        let expected = Double(count) * fraction
        let tolerance = 5 * (Double(count) * fraction * (1 - fraction)).squareRoot() // five standard deviations
        #expect(abs(Double(sampled) - expected) <= tolerance, "\(sampled) of \(count) at \(fraction)")
    }

    @Test func loopsHaveDistinctPrefixes() {
        let settings = TraceSettings()
        let prefixes = (0..<256).map { settings.loop($0, runPrefix: 0xffff_ffff_ffff_ff00).prefix }
        #expect(Set(prefixes).count == 256)
    }

    @Test func theRenderedRequestCarriesAPlaceholderWhereTheClientWritesIt() throws {
        var renderer = ScenarioRenderer(scenario: .single(path: "/x"), authority: "127.0.0.1:1")
        renderer.traceparent = true
        let rendered = renderer.next()
        let text = String(decoding: rendered.bytes, as: UTF8.self)
        #expect(text.hasPrefix("GET /x HTTP/1.1\r\nHost: 127.0.0.1:1\r\ntraceparent: "))
        let value = String(decoding: rendered.bytes[rendered.traceOffset..<(rendered.traceOffset + Int(LC_TRACEPARENT_LEN))], as: UTF8.self)
        #expect(value == ScenarioRenderer.traceparentPlaceholder)
        #expect(value.count == 55)
    }
}
