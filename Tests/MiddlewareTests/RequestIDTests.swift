@testable import Middleware
import Testing

struct RequestIDTests {
    @Test func generatedIDsAreShortUniqueAndAcceptedBack() {
        var seen = Set<String>()
        var prefix: Substring?
        for _ in 0..<10_000 {
            let id = RequestIDMiddleware.generate()
            #expect(id.utf8.count <= 15, "a small string: \(id)")
            let parts = id.split(separator: "-")
            #expect(parts.count == 2 && parts[0].count == 6, "prefix-counter: \(id)")
            #expect(id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || $0 == 45 }, "hex: \(id)")
            if prefix == nil { prefix = parts.first }
            #expect(parts.first == prefix, "one prefix per process")
            // An id echoed back by a client is kept as it is.
            #expect(RequestIDMiddleware.accepted(id) == id)
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }

    @Test(arguments: [
        ("abc-123", true), ("A_b.c:9", true), (String(repeating: "x", count: 64), true),
        ("", false), (String(repeating: "x", count: 65), false), ("has space", false),
        ("semi;colon", false), ("line\nbreak", false), ("ümlaut", false),
    ])
    func clientIDsAreKeptOnlyWhenSafe(_ candidate: String, _ kept: Bool) {
        #expect((RequestIDMiddleware.accepted(candidate) != nil) == kept)
    }
}
