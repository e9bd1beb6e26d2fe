import Synchronization
import Testing
@testable import Server

struct HTTPHeadersTests {
    @Test func lookupIgnoresCaseAndKeepsOrder() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Id": "1"]
        headers.add(name: "x-id", value: "2")
        #expect(headers.first("content-type") == "text/plain")
        #expect(headers.first("CONTENT-TYPE") == "text/plain")
        #expect(headers.values("X-ID") == ["1", "2"])
        #expect(headers.contains("X-ID") && !headers.contains("X-I") && !headers.contains("X-Idd"))
        #expect(headers.values("X-I").isEmpty)
        headers["X-Id"] = "3"
        #expect(headers.values("x-id") == ["3"])
        headers["x-id"] = nil
        #expect(headers.first("X-Id") == nil && !headers.contains("x-id"))
        #expect(headers.count == 1)
    }

    /// Names that differ only in non-letters must not match case-insensitively.
    @Test func caseFoldingOnlyAppliesToLetters() {
        let headers: HTTPHeaders = ["a@b": "1"]  // '@' (0x40) | 0x20 == '`' (0x60)
        #expect(headers.first("a`b") == nil)
    }

    @Test(arguments: [
        ("Good-Name", "value", true),
        ("Bad Name", "value", false),
        ("", "value", false),
        ("X-Split", "a\r\nInjected: yes", false),
        ("X-Nul", "a\u{0}b", false),
        ("X-Tab", "a\tb", true),
    ])
    func invalidFieldsAreDropped(name: String, value: String, kept: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: name, value: value)
        #expect(headers.count == (kept ? 1 : 0))
    }

    /// Fields are length-prefixed records in one array: many, long, empty-valued and
    /// removed-in-the-middle fields must all read back exactly, in order.
    @Test func recordsReadBackAcrossManyEditsAndSizes() {
        var headers = HTTPHeaders()
        var expected: [(String, String)] = []
        for index in 0..<200 {
            let name = "X-Field-\(index % 7)"
            let value = index % 5 == 0 ? "" : String(repeating: "v\(index)", count: index % 40)
            headers.add(name: name, value: value)
            expected.append((name, value))
        }
        headers.add(name: "X-Long", value: String(repeating: "L", count: 70_000))
        expected.append(("X-Long", String(repeating: "L", count: 70_000)))
        #expect(headers.count == expected.count)
        #expect(headers.map { "\($0.name)=\($0.value)" } == expected.map { "\($0.0)=\($0.1)" })
        headers.remove(name: "x-field-3")
        expected.removeAll { $0.0 == "X-Field-3" }
        #expect(headers.count == expected.count)
        #expect(headers.map { "\($0.name)=\($0.value)" } == expected.map { "\($0.0)=\($0.1)" })
        #expect(headers.values("X-FIELD-4") == expected.filter { $0.0 == "X-Field-4" }.map(\.1))
        #expect(headers.first("x-long")?.count == 70_000)
        #expect(headers == HTTPHeaders(expected))
        #expect(headers != HTTPHeaders(Array(expected.dropLast())))
    }

    /// A short field stays in the inline buffer; the field that does not fit moves every
    /// record to the heap, and both read back.
    @Test(arguments: [0, 1, 20, HTTPHeaders.inlineCapacity - HTTPHeaders.prefixSize - 12])
    func inlineRecordsSpillToTheHeapIntact(valueLength: Int) {
        var headers = HTTPHeaders()
        let first = String(repeating: "i", count: valueLength)
        headers.add(name: "X-Request-Id", value: first)
        #expect(headers.first("x-request-id") == first)
        headers.add(name: "X-Second", value: String(repeating: "s", count: 30))
        headers.add(name: "X-Third", value: "3")
        #expect(headers.map { "\($0.name)=\($0.value)" } == ["X-Request-Id=\(first)", "X-Second=\(String(repeating: "s", count: 30))", "X-Third=3"])
        headers.remove(name: "X-Second")
        #expect(headers.map(\.name) == ["X-Request-Id", "X-Third"])
    }

    @Test func copiesAreIndependent() {
        var original: HTTPHeaders = ["A": "1"]
        var copy = original
        copy.add(name: "B", value: "2")
        original["A"] = "9"
        #expect(original.map(\.value) == ["9"])
        #expect(copy.map { "\($0.name)=\($0.value)" } == ["A=1", "B=2"])
    }
}

struct RequestQueryTests {
    @Test(arguments: [
        ("ids=1,2,3", "ids", "1,2,3"),
        ("a=1&ids=4", "ids", "4"),
        ("name=J%C3%BCrgen", "name", "Jürgen"),
        ("name=a+b", "name", "a b"),
        ("name=a%2Bb", "name", "a+b"),
        ("flag", "flag", ""),
        ("name=%zz", "name", "%zz"),
    ])
    func queryValue(query: String, name: String, expected: String) {
        let request = Request(method: .get, target: "/p?" + query)
        #expect(request.path == "/p")
        #expect(request.query == query)
        #expect(request.queryValue(name) == expected)
    }

    @Test func missingParameterIsNil() {
        #expect(Request(method: .get, target: "/p").queryValue("ids") == nil)
        #expect(Request(method: .get, target: "/p?other=1").queryValue("ids") == nil)
    }
}

struct JSONErrorBodyTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote\"s", #""quote\"s""#),
        ("back\\slash", #""back\\slash""#),
        ("new\nline\ttab\rcr", #""new\nline\ttab\rcr""#),
        ("bell\u{7}", #""bell\u0007""#),
        ("back\u{8}space\u{c}feed\u{1f}", #""back\bspace\ffeed\u001f""#),
        ("ünïcödé", "\"ünïcödé\""),
    ])
    func escaping(text: String, expected: String) {
        var out: [UInt8] = []
        JSONErrorBody.appendString(text, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func errorShape() {
        let body = JSONErrorBody.encode(code: "missing_parameter", message: "Query parameter 'ids' is required")
        #expect(String(decoding: body, as: UTF8.self) == #"{"error":{"code":"missing_parameter","message":"Query parameter 'ids' is required"}}"#)
    }
}

struct TimerQueueTests {
    /// Deadlines fire in time order whatever the order they were added in, and a
    /// cancelled sleep resumes at once with CancellationError.
    final class Shared: Sendable {
        let queue = Mutex(TimerQueue())
        let log = Mutex<[String]>([])
        let ids = Mutex<[Int: UInt64]>([:])
    }

    @Test func firesInDeadlineOrderAndCancels() async throws {
        let shared = Shared()
        let base: UInt64 = 1_000_000_000_000
        var sleepers: [Task<Void, Never>] = []
        for (index, offsetMs) in [(0, 30), (1, 10), (2, 20)] {
            sleepers.append(Task { await Self.sleep(shared, index: index, deadline: base + UInt64(offsetMs) * 1_000_000) })
        }
        while shared.queue.withLock({ $0.count }) < 3 { await Task.yield() }
        #expect(shared.queue.withLock { $0.fireDue(now: base + 5_000_000) } == 0)
        #expect(shared.queue.withLock { $0.millisecondsUntilNext(now: base + 5_000_000) } == 5)
        #expect(shared.queue.withLock { $0.fireDue(now: base + 15_000_000) } == 1)
        while shared.log.withLock({ $0.count }) < 1 { await Task.yield() }
        #expect(shared.queue.withLock { $0.fireDue(now: base + 25_000_000) } == 1)
        while shared.log.withLock({ $0.count }) < 2 { await Task.yield() }
        let last = try #require(shared.ids.withLock { $0[0] })
        shared.queue.withLock { $0.cancel(last) }
        for sleeper in sleepers { await sleeper.value }
        #expect(shared.log.withLock { $0 } == ["fired 1", "fired 2", "cancelled 0"])
        #expect(shared.queue.withLock { $0.fireDue(now: base + 60_000_000) } == 0, "a cancelled sleep never fires")
        #expect(shared.queue.withLock { $0.millisecondsUntilNext(now: base + 60_000_000) } == -1)
    }

    static func sleep(_ shared: Shared, index: Int, deadline: UInt64) async {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let id = shared.queue.withLock { $0.add(deadline: deadline, continuation) }
                shared.ids.withLock { $0[index] = id }
            }
            shared.log.withLock { $0.append("fired \(index)") }
        } catch {
            shared.log.withLock { $0.append("cancelled \(index)") }
        }
    }
}

/// The token masks agree with RFC 9110's tchar for every byte, and `add` drops a field whose
/// name is not a token or whose value holds CR, LF, NUL or DEL.
struct HeaderFieldValidationTests {
    @Test func tokenBytesAreExactlyTchar() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in 0...255 {
            #expect(HTTPHeaders.isTokenByte(UInt8(byte)) == tchar.contains(UInt8(byte)), "byte \(byte)")
            #expect(HTTPHeaders.isTokenByte(UInt8(byte)) == HTTPHeaders.tokenTable[byte], "byte \(byte)")
        }
    }

    @Test(arguments: [("X-Ok", "fine", true), ("Bad Name", "v", false), ("", "v", false), ("X-Split", "a\r\nInjected: 1", false),
                      ("X-Nul", "a\u{0}b", false), ("X-Del", "a\u{7F}", false), ("X-Tab", "a\tb", true), ("X-Ünï", "v", false),
                      ("X-Obs", "caf\u{e9}", true)])
    func addKeepsOnlyValidFields(name: String, value: String, kept: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: name, value: value)
        #expect((headers.first(name) == value) == kept)
        #expect(headers.count == (kept ? 1 : 0))
    }
}
