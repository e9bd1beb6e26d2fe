import Testing
import Server

/// Media types compared as RFC 9110 §8.3.1 says: type and subtype case-insensitively,
/// parameters apart, and a prefix is not a match.
struct MediaTypeTests {
    @Test(arguments: [
        ("application/json", true),
        ("APPLICATION/Json", true),
        ("application/json;charset=utf-8", true),
        ("application/json ; charset=\"utf-8\"", true),
        ("application/json;", true),
        ("application/json; ; charset=utf-8", true),
        (" application/json", true),
        ("application/jsonx", false),
        ("application/json-seq", false),
        ("application/json+x", false),
        ("application/json/x", false),
        ("application/", false),
        ("application", false),
        ("/json", false),
        ("application/json charset=utf-8", false),
        ("application/json; charset", false),
        ("application/json; charset=\"utf-8", false),
        ("application/json; =utf-8", false),
        ("text/json", false),
        ("", false),
    ])
    func isJSON(_ value: String, _ expected: Bool) {
        #expect((MediaType(value)?.is("application", "json") ?? false) == expected)
    }

    @Test func parametersAreKeptWithNamesLowercasedAndValuesUnquoted() throws {
        let type = try #require(MediaType(#"Text/Plain; Charset="utf-8"; format="fl\"owed""#))
        #expect(type.type == "text" && type.subtype == "plain")
        #expect(type.parameter("charset") == "utf-8")
        #expect(type.parameter("FORMAT") == #"fl"owed"#)
        #expect(type.parameters.count == 2)
    }
}
