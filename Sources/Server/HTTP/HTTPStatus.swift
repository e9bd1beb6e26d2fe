/// An HTTP response status: a code and its reason phrase.
public struct HTTPStatus: Sendable, Hashable, CustomStringConvertible {
    /// The three-digit status code.
    public let code: Int

    public init(code: Int) { self.code = code }

    public static let ok = HTTPStatus(code: 200)
    public static let created = HTTPStatus(code: 201)
    public static let noContent = HTTPStatus(code: 204)
    public static let badRequest = HTTPStatus(code: 400)
    /// 401: the request lacks valid credentials.
    public static let unauthorized = HTTPStatus(code: 401)
    /// 403: the credentials do not allow this.
    public static let forbidden = HTTPStatus(code: 403)
    public static let notFound = HTTPStatus(code: 404)
    public static let methodNotAllowed = HTTPStatus(code: 405)
    public static let requestTimeout = HTTPStatus(code: 408)
    public static let contentTooLarge = HTTPStatus(code: 413)
    /// 415: the body's media type is not one the route takes.
    public static let unsupportedMediaType = HTTPStatus(code: 415)
    public static let unprocessableContent = HTTPStatus(code: 422)
    /// 429: a rate limit was reached.
    public static let tooManyRequests = HTTPStatus(code: 429)
    /// Not sent to anyone: the client left (closed the connection or reset the stream)
    /// before the answer was ready. nginx's convention; it labels such requests in metrics
    /// and logs apart from server errors.
    public static let clientClosedRequest = HTTPStatus(code: 499)
    public static let internalServerError = HTTPStatus(code: 500)
    public static let notImplemented = HTTPStatus(code: 501)
    public static let badGateway = HTTPStatus(code: 502)
    public static let serviceUnavailable = HTTPStatus(code: 503)
    public static let gatewayTimeout = HTTPStatus(code: 504)

    public var description: String { String(code) }
}
