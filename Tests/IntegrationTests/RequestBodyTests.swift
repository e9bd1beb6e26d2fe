import Foundation
import Testing

/// What `POST /api/v1/order/map` and `POST /payload` make of a body, through curl against
/// the real binary: the media type compared as type/subtype (RFC 9110 §8.3.1), the body's
/// shape against a value of the wrong type in it, and the digest's digits.
@Suite(.serialized)
struct RequestBodyTests {
    static let server = Result { try ServerProcess() }

    static func postMap(_ body: String, contentType: String) throws -> (status: Int, code: String?, parameter: String?) {
        let server = try server.get()
        let result = try Curl.run(["-H", "Content-Type: \(contentType)", "--data-binary", body,
                                   "http://127.0.0.1:\(server.port)/api/v1/order/map"])
        let error = Curl.json(result.body)?["error"] as? [String: Any]
        return (result.status, error?["code"] as? String, error?["parameter"] as? String)
    }

    @Test(arguments: [
        ("application/json", 200),
        ("application/json; charset=utf-8", 200),
        ("Application/JSON", 200),
        ("application/json ; charset=\"utf-8\"", 200),
        ("application/jsonx", 415),
        ("application/json-seq", 415),
        ("application/json/x", 415),
        ("application/jsonp; charset=utf-8", 415),
        ("text/json", 415),
        ("application/json; charset", 415),
    ])
    func mediaTypeIsComparedAsTypeAndSubtype(_ contentType: String, _ status: Int) throws {
        let answer = try Self.postMap(#"{"ids":[1,2]}"#, contentType: contentType)
        #expect(answer.status == status)
        if status == 415 { #expect(answer.code == "unsupported_media_type") }
    }

    @Test(arguments: [
        // Not the documented shape: not an object at all, or not JSON.
        (#""x""#, "invalid_body", nil),
        ("[1,2]", "invalid_body", nil),
        ("null", "invalid_body", nil),
        ("42", "invalid_body", nil),
        (#"{"ids":[1,2]"#, "invalid_body", nil),
        ("", "invalid_body", nil),
        // The shape, with a value of the wrong type inside: the parameter is named.
        (#"{"ids":[1.5]}"#, "invalid_parameter", "ids"),
        (#"{"ids":"1,2"}"#, "invalid_parameter", "ids"),
        (#"{"ids":[1,"2"]}"#, "invalid_parameter", "ids"),
        (#"{"ids":[1e30]}"#, "invalid_parameter", "ids"),
        (#"{"ids":{"a":1}}"#, "invalid_parameter", "ids"),
        (#"{"ids":[0]}"#, "invalid_parameter", "ids"),
        (#"{"ids":[]}"#, "missing_parameter", "ids"),
        ("{}", "missing_parameter", "ids"),
    ] as [(String, String, String?)])
    func bodyShapeAgainstValueType(_ body: String, _ code: String, _ parameter: String?) throws {
        let answer = try Self.postMap(body, contentType: "application/json")
        #expect(answer.status == 400)
        #expect(answer.code == code)
        #expect(answer.parameter == parameter)
    }

    /// Always 16 hex digits: "x7500" hashes to 0x0041157ac45c93f7, which printed without
    /// padding would be 14.
    @Test(arguments: [("x7500", "0041157ac45c93f7"), ("abc", "e71fa2190541574b"), ("", "cbf29ce484222325")])
    func payloadDigestHasSixteenDigits(_ body: String, _ digest: String) throws {
        let server = try Self.server.get()
        let result = try Curl.run(["--data-binary", body, "http://127.0.0.1:\(server.port)/payload"])
        #expect(result.status == 200)
        #expect(Curl.json(result.body)?["fnv1a64"] as? String == digest)
    }
}
