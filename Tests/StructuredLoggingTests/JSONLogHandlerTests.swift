import Foundation
import Logging
@testable import StructuredLogging
import Testing

/// The JSON line format: one object per line whatever the text holds, the fixed keys
/// first, every metadata key, and RFC 3339 timestamps.
struct JSONLogHandlerTests {
    static func object(_ line: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    @Test(arguments: [
        "plain",
        "a \"quoted\" word and a back\\slash",
        "two\nlines\r\nand a tab\t",
        "control \u{01}\u{1f} bytes",
        "ünïcödé ✓ and emoji 🚀",
        "",
    ])
    func everyMessageIsOneParseableLine(message: String) throws {
        let line = JSONLogHandler.line(timestamp: "2026-12-06T20:41:07.123Z", level: .info, message: message,
                                       label: "orders", metadata: ["request_id": "6f65b9-2", "note": .string(message)])
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        let object = try Self.object(line)
        #expect(object["message"] as? String == message)
        #expect(object["note"] as? String == message)
        #expect(object["request_id"] as? String == "6f65b9-2")
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "orders")
        #expect(object["timestamp"] as? String == "2026-12-06T20:41:07.123Z")
    }

    @Test func fixedKeysComeFirstAndMetadataCannotReplaceThem() throws {
        let line = JSONLogHandler.line(timestamp: "t", level: .error, message: "m", label: "l",
                                       metadata: ["level": "spoofed", "b": "2", "a": "1"])
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"timestamp":"t","level":"error","message":"m","label":"l","#))
        let object = try Self.object(line)
        #expect(object["level"] as? String == "error")
        #expect(object["_level"] as? String == "spoofed")
        #expect(text.range(of: #""a":"1""#)!.lowerBound < text.range(of: #""b":"2""#)!.lowerBound)
    }

    @Test func nestedMetadataIsJSON() throws {
        let line = JSONLogHandler.line(timestamp: "t", level: .info, message: "m", label: "l",
                                       metadata: ["ids": ["1", "2"], "dependency": ["name": "inventory", "latency": "400ms"],
                                                  "status": .stringConvertible(503)])
        let object = try Self.object(line)
        #expect(object["ids"] as? [String] == ["1", "2"])
        #expect((object["dependency"] as? [String: String]) == ["name": "inventory", "latency": "400ms"])
        #expect(object["status"] as? String == "503")
    }

    @Test(arguments: [(0, 0, "1970-01-01T00:00:00.000Z"), (1_700_000_000, 7, "2023-11-14T22:13:20.007Z"),
                      (1_796_589_667, 123, "2026-12-06T20:41:07.123Z"), (951_782_400, 999, "2000-02-29T00:00:00.999Z")])
    func timestampsAreRFC3339InUTCWithMilliseconds(seconds: Int, milliseconds: Int, expected: String) {
        #expect(JSONLogHandler.timestamp(seconds: seconds, milliseconds: milliseconds) == expected)
    }
}
