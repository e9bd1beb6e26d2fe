import RequestTracing
import Testing
import W3CTraceContext

/// `traceparent` and `tracestate` in the shapes of the W3C Trace Context test suite: what is
/// taken, and every malformed form refused (the request then starts a new trace, or loses
/// only its tracestate).
struct TraceContextHeadersTests {
    static let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func aValidParentIsTaken() throws {
        let context = try #require(TraceContextHeaders.extract(traceparent: [Self.valid], tracestate: []))
        #expect(context.traceID.description == "0af7651916cd43dd8448eb211c80319c")
        #expect(context.spanID.description == "b7ad6b7169203331")
        #expect(context.flags.contains(.sampled))
        let unsampled = try #require(TraceContextHeaders.extract(
            traceparent: ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"], tracestate: []))
        #expect(!unsampled.flags.contains(.sampled))
    }

    @Test(arguments: [
        ("", "empty"),
        ("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "version 01"),
        ("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "version ff"),
        ("0-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "version too short"),
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", "extra field on version 00"),
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-", "trailing dash on version 00"),
        ("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", "uppercase trace id"),
        ("00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01", "uppercase parent id"),
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0A", "uppercase flags"),
        ("00-00000000000000000000000000000000-b7ad6b7169203331-01", "all-zero trace id"),
        ("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", "all-zero parent id"),
        ("00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01", "trace id too short"),
        ("00-0af7651916cd43dd8448eb211c80319c00-b7ad6b7169203331-01", "trace id too long"),
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01", "parent id too short"),
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1", "flags too short"),
        ("00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01", "wrong delimiters"),
        ("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01", "non-hex character"),
        (" 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "leading space"),
    ])
    func anInvalidParentStartsANewTrace(traceparent: String, what: String) {
        #expect(TraceContextHeaders.extract(traceparent: [traceparent], tracestate: ["a=b"]) == nil, "\(what)")
    }

    @Test func twoParentFieldsAreInvalidTogether() {
        #expect(TraceContextHeaders.extract(traceparent: [Self.valid, Self.valid], tracestate: []) == nil)
        #expect(TraceContextHeaders.extract(traceparent: [], tracestate: ["a=b"]) == nil)
    }

    static func members(_ state: TraceState) -> [String] { state.map { "\($0.vendor)=\($0.value)" } }

    @Test(arguments: [
        ("congo=t61rcWkgMzE", ["congo=t61rcWkgMzE"]),
        ("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", ["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"]),
        ("rojo=1 ,\t congo=2 ", ["rojo=1", "congo=2"]),
        ("a=b c", ["a=b c"]),
        ("a=1,,b=2", ["a=1", "b=2"]),
        ("tenant@system=v", ["tenant@system=v"]),
        ("0tenant@sys=v", ["0tenant@sys=v"]),
        ("k_-*/9=value with spaces", ["k_-*/9=value with spaces"]),
    ])
    func aValidStateIsKept(tracestate: String, expected: [String]) throws {
        let context = try #require(TraceContextHeaders.extract(traceparent: [Self.valid], tracestate: [tracestate]))
        #expect(Self.members(context.state) == expected)
    }

    @Test func stateFieldsJoinIntoOneList() throws {
        let context = try #require(TraceContextHeaders.extract(traceparent: [Self.valid], tracestate: ["a=1", "b=2"]))
        #expect(Self.members(context.state) == ["a=1", "b=2"])
    }

    static let thirtyThree = (0..<33).map { "k\($0)=v" }.joined(separator: ",")
    static let tooLong = "k=" + String(repeating: "v", count: 256) + ",l=" + String(repeating: "v", count: 256) // 517

    @Test(arguments: [
        (thirtyThree, "33 members"),
        (tooLong, "over 512 characters"),
        ("Rojo=1", "uppercase key"),
        ("1abc=1", "simple key starting with a digit"),
        ("a=b=c", "= in a value"),
        ("a=" + String(repeating: "v", count: 257), "value over 256 characters"),
        ("a=", "empty value"),
        ("=b", "empty key"),
        ("a=1,a=2", "the same key twice"),
        ("novalue", "no ="),
        ("tenant@=v", "empty system id"),
        ("t@averyverylongsystem=v", "system id over 14"),
        ("t@Sys=v", "uppercase system id"),
        ("a=\u{7f}", "DEL in a value"),
        ("a=ü", "a value beyond ASCII"),
    ])
    func anInvalidStateIsDroppedAndTheParentKept(tracestate: String, what: String) throws {
        let context = try #require(TraceContextHeaders.extract(traceparent: [Self.valid], tracestate: [tracestate]), "\(what)")
        #expect(context.state.isEmpty, "\(what)")
        #expect(context.traceID.description == "0af7651916cd43dd8448eb211c80319c")
    }

    @Test func thirtyTwoMembersAreAllowed() throws {
        let state = (0..<32).map { "k\($0)=v" }.joined(separator: ",")
        let context = try #require(TraceContextHeaders.extract(traceparent: [Self.valid], tracestate: [state]))
        #expect(Self.members(context.state).count == 32)
    }
}
