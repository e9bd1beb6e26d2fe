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

    /// The counter is written in as few hex digits as it needs, after the fixed prefix.
    @Test(arguments: [
        (UInt64(0), "3fa9c1-0"), (1, "3fa9c1-1"), (15, "3fa9c1-f"), (16, "3fa9c1-10"), (0xabc, "3fa9c1-abc"),
        (0xffff_ffff, "3fa9c1-ffffffff"), (UInt64.max, "3fa9c1-ffffffffffffffff"),
    ])
    func idsSpellThePrefixAndTheCounterInHex(sequence: UInt64, expected: String) {
        let digits = RequestIDMiddleware.digits(ofPrefix: 0x3fa9c1)
        #expect(RequestIDMiddleware.id(prefixDigits: digits, sequence: sequence) == expected)
    }

    @Test func theMiddlewareAndGenerateShareOnePrefix() {
        let fromMiddleware = RequestIDMiddleware().nextID(), fromGenerate = RequestIDMiddleware.generate()
        #expect(fromMiddleware.prefix(7) == fromGenerate.prefix(7))
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
