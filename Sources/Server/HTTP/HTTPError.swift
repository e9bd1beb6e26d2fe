/// An error that carries its own HTTP status and a JSON body
/// `{"error":{"code":"…","message":"…"}}`.
///
/// Handlers throw it for expected failures (a bad parameter, a missing resource). The
/// server turns it into that status; it is not counted as a recovered panic.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    /// A stable, machine-readable code in snake_case, such as `missing_parameter`.
    public var code: String
    /// A sentence for people.
    public var message: String
    /// Extra header fields for the response (for example `Allow` on a 405).
    public var headers: HTTPHeaders
    /// Extra string fields inside the `error` object, such as the parameter's name.
    public var details: [(String, String)]

    public init(_ status: HTTPStatus, code: String, message: String, headers: HTTPHeaders = HTTPHeaders(),
                details: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
    }

    /// The JSON error response for this error.
    public var response: Response {
        Response(status: status, contentType: .json, headers: headers,
                 body: ResponseBody(JSONErrorBody.encode(code: code, message: message, extra: details)))
    }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message && lhs.headers == rhs.headers
            && lhs.details.elementsEqual(rhs.details, by: { $0 == $1 })
    }
}

/// Writes `{"error":{"code":…,"message":…}}` with correct JSON string escaping.
public enum JSONErrorBody {
    public static func encode(code: String, message: String, extra: [(String, String)] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(48 + code.utf8.count + message.utf8.count)
        out.append(contentsOf: #"{"error":{"code":"#.utf8)
        appendString(code, to: &out)
        out.append(contentsOf: #","message":"#.utf8)
        appendString(message, to: &out)
        for (key, value) in extra {
            out.append(UInt8(ascii: ","))
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(value, to: &out)
        }
        out.append(contentsOf: "}}".utf8)
        return out
    }

    /// Appends `text` as a JSON string literal (RFC 8259 §7).
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
