import Foundation
import OrderService
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    private func written(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test(
        "strings are escaped per RFC 8259",
        arguments: [
            ("", #""""#),
            ("plain", #""plain""#),
            ("say \"hi\"", #""say \"hi\"""#),
            (#"back\slash"#, #""back\\slash""#),
            ("/ is not escaped", #""/ is not escaped""#),
            ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
            ("\u{00}", #""\u0000""#),
            ("a\u{01}b\u{1F}c", #""a\u0001b\u001fc""#),
            ("\u{7F}", "\"\u{7F}\""),
            ("caf\u{E9}", "\"caf\u{E9}\""),
            ("日本語", "\"日本語\""),
            ("😀 and \u{2028}", "\"😀 and \u{2028}\""),
            ("\"\\\"", #""\"\\\"""#),
        ] as [(String, String)]
    )
    func escaping(input: String, expected: String) throws {
        #expect(self.written { $0.value(input) } == expected)
        // And it reads back as the same string.
        let bytes = Data(self.written { $0.value(input) }.utf8)
        let parsed = try JSONSerialization.jsonObject(with: bytes, options: .fragmentsAllowed)
        #expect(parsed as? String == input)
    }

    @Test("every control character round-trips")
    func allControlCharacters() throws {
        let input = String(decoding: (0..<0x20).map { UInt8($0) } + Array("end".utf8), as: UTF8.self)
        let json = self.written { $0.value(input) }
        #expect(!json.utf8.contains { $0 < 0x20 })
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        #expect(parsed as? String == input)
    }

    @Test("keys are escaped too")
    func keys() {
        #expect(
            self.written {
                $0.beginObject()
                $0.key("a\"b")
                $0.value(1)
                $0.endObject()
            } == #"{"a\"b":1}"#
        )
    }

    @Test(
        "integers",
        arguments: [
            (0, "0"), (7, "7"), (10, "10"), (-1, "-1"), (1_234_567_890, "1234567890"),
            (Int.max, "9223372036854775807"), (Int.min, "-9223372036854775808"),
        ]
    )
    func integers(value: Int, expected: String) {
        #expect(self.written { $0.value(value) } == expected)
    }

    @Test("integers around every power of ten match their description")
    func integerSweep() {
        var values = Array(-1_000...1_000)
        var power = 10
        while true {
            values += [power - 1, power, power + 1, -power]
            let (next, overflow) = power.multipliedReportingOverflow(by: 10)
            if overflow { break }
            power = next
        }
        for value in values {
            #expect(self.written { $0.value(value) } == String(value))
        }
    }

    @Test("a small writer grows as needed")
    func growth() throws {
        var writer = JSONWriter(reservingCapacity: 1)
        let long = String(repeating: "ab\u{1}\"\n日本😀", count: 200)
        writer.beginArray()
        for index in 0..<50 {
            writer.value(index)
            writer.value(long)
        }
        writer.endArray()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(writer.takeBytes())) as? [Any])
        #expect(parsed.count == 100)
        #expect(parsed[99] as? String == long)
        #expect(parsed[98] as? Int == 49)
    }

    @Test("literals")
    func literals() {
        #expect(
            self.written {
                $0.beginArray()
                $0.value(true)
                $0.value(false)
                $0.null()
                $0.value("s" as StaticString)
                $0.endArray()
            } == #"[true,false,null,"s"]"#
        )
    }

    @Test("commas go between members and elements, also after nested containers")
    func structure() {
        let json = self.written {
            $0.beginObject()
            $0.key("empty_object")
            $0.beginObject()
            $0.endObject()
            $0.key("empty_array")
            $0.beginArray()
            $0.endArray()
            $0.key("list")
            $0.beginArray()
            for id in 1...2 {
                $0.beginObject()
                $0.field("id", id)
                $0.key("tags")
                $0.beginArray()
                $0.value("x")
                $0.value("y")
                $0.endArray()
                $0.endObject()
            }
            $0.endArray()
            $0.field("ok", true)
            $0.endObject()
        }
        #expect(
            json
                == #"{"empty_object":{},"empty_array":[],"list":[{"id":1,"tags":["x","y"]},{"id":2,"tags":["x","y"]}],"ok":true}"#
        )
    }

    @Test("takeBytes empties the writer for reuse")
    func takeBytes() {
        var writer = JSONWriter()
        writer.value(1)
        #expect(writer.takeBytes() == Array("1".utf8))
        writer.value(2)
        #expect(writer.bytes == Array("2".utf8))
    }
}
