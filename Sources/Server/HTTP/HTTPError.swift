import JSONEscaping

/// An error that carries its own HTTP status and a JSON body
/// `{"error":{"code":"…","message":"…"}}`.
///
/// Handlers throw it for expected failures (a bad parameter, a missing resource). The
/// server turns it into that status; it is not counted as a recovered panic. Every error
/// answer the Swift side gives, the router's 404 and 405 and the recovery middleware's 500
/// included, is an `HTTPError`'s `response`: one writer, one shape.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    /// A stable, machine-readable code, such as `missing_parameter`.
    public var code: Code
    /// A sentence for people.
    public var message: String
    /// Extra header fields for the response (for example `Allow` on a 405).
    public var headers: HTTPHeaders
    /// Extra string fields inside the `error` object, such as the parameter's name.
    public var details: [(String, String)]

    public init(_ status: HTTPStatus, code: Code, message: String, headers: HTTPHeaders = HTTPHeaders(),
                details: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
    }

    /// The JSON error response for this error. It says `Cache-Control: no-store` (unless the
    /// error's own headers set `Cache-Control`): an error answers one exchange, and a shared
    /// cache that kept a 404 or a 503 would serve it after the cause is gone.
    public var response: Response {
        var headers = headers
        if headers.first("Cache-Control") == nil { headers.add(validatedName: "Cache-Control", value: "no-store") }
        return Response(status: status, contentType: .json, headers: headers,
                        body: ResponseBody(JSONErrorBody.encode(code: code.rawValue, message: message, extra: details)))
    }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message && lhs.headers == rhs.headers
            && lhs.details.elementsEqual(rhs.details, by: { $0 == $1 })
    }
}

extension HTTPError {
    /// An error code: snake_case, stable across releases, documented with the API.
    ///
    /// The codes the service emits are static members, so a typo is a compile error and
    /// the whole vocabulary is in one place; a new code is `HTTPError.Code("rate_limited")`.
    public struct Code: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The code as it appears in the body.
        public let rawValue: String

        /// A code of the service's own, such as `Code("rate_limited")`.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// A code written as a literal where a `Code` is expected.
        public init(stringLiteral value: String) { self.rawValue = value }
        /// The code as it appears in the body.
        public var description: String { rawValue }

        /// 400: a required parameter is absent.
        public static let missingParameter = Code("missing_parameter")
        /// 400: a parameter is present but does not parse as its type, or is out of range.
        public static let invalidParameter = Code("invalid_parameter")
        /// 400: the body is not what the route takes.
        public static let invalidBody = Code("invalid_body")
        /// 404: no route matches the path.
        public static let notFound = Code("not_found")
        /// 405: the path exists, the method does not (`Allow` lists those that do).
        public static let methodNotAllowed = Code("method_not_allowed")
        /// 415: the body's media type is not one the route takes.
        public static let unsupportedMediaType = Code("unsupported_media_type")
        /// 499: the client left before the answer was ready (recorded, never received).
        public static let clientClosedRequest = Code("client_closed_request")
        /// 500: an error escaped a handler; the body carries the request id.
        public static let internalError = Code("internal_error")
        /// 503: a dependency failed or timed out.
        public static let dependencyUnavailable = Code("dependency_unavailable")
    }
}

extension HTTPError {
    /// 404 for a path that matches no route.
    public static let notFound = HTTPError(.notFound, code: .notFound, message: "No route matches this path")

    /// 405 for a method the route does not serve; `allow` is the `Allow` field's value.
    public static func methodNotAllowed(_ method: HTTPMethod, route: String, allow: String) -> HTTPError {
        HTTPError(.methodNotAllowed, code: .methodNotAllowed, message: "\(method) is not allowed on \(route)",
                  headers: ["Allow": allow])
    }

    /// 500 for an error that escaped a handler, quoting the request id when there is one.
    public static func internalError(requestID: String?) -> HTTPError {
        guard let requestID else {
            return HTTPError(.internalServerError, code: .internalError, message: "The server failed to handle the request")
        }
        return HTTPError(.internalServerError, code: .internalError,
                         message: "The server failed to handle the request; quote the request id when reporting it",
                         details: [("request_id", requestID)])
    }

    /// 499 for a request whose client left while its handler ran.
    public static let clientClosedRequest = HTTPError(.clientClosedRequest, code: .clientClosedRequest,
                                                      message: "The client left before the answer was ready")
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

    /// Appends `text` as a JSON string literal (RFC 8259 §7, through `JSONEscaper`).
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        JSONEscaper.appendQuoted(text, to: &out)
    }
}
