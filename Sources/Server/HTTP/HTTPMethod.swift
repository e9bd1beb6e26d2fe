/// An HTTP request method.
///
/// A struct around a private enum, so that methods can be added without breaking
/// `switch` statements in user code.
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    enum Base: UInt8, Sendable, CaseIterable {
        case get, head, post, put, delete, options, patch, trace
    }

    let base: Base

    init(_ base: Base) { self.base = base }

    public static let get = HTTPMethod(.get)
    public static let head = HTTPMethod(.head)
    public static let post = HTTPMethod(.post)
    public static let put = HTTPMethod(.put)
    public static let delete = HTTPMethod(.delete)
    public static let options = HTTPMethod(.options)
    public static let patch = HTTPMethod(.patch)
    public static let trace = HTTPMethod(.trace)

    /// Every method the server accepts, in a stable order (used for `Allow`).
    public static let all: [HTTPMethod] = Base.allCases.map(HTTPMethod.init)

    /// The method's token, such as `GET`.
    public var rawValue: String {
        switch base {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .trace: "TRACE"
        }
    }

    /// Parses a method token; `nil` for methods the server does not implement.
    public init?(rawValue: String) {
        guard let base = Base.allCases.first(where: { HTTPMethod($0).rawValue == rawValue }) else {
            return nil
        }
        self.base = base
    }

    public var description: String { rawValue }
}
