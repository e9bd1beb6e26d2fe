/// The outcome of reading one parameter, with the three cases kept apart, like Go's
/// `v, ok := m[k]` plus a third for "present but not of the expected type".
public enum ParameterLookup<Value: ParameterValue>: Sendable {
    case found(Value)
    case missing
    case invalid(received: String, expected: String)

    /// The value when found.
    public var value: Value? {
        if case .found(let value) = self { return value }
        return nil
    }
}

/// Where a parameter is read from.
public struct ParameterSource: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline enum Base: Sendable, Hashable { case query, path, header, body }
    @usableFromInline let base: Base

    /// The query string (`?ids=1,2`).
    public static let query = ParameterSource(base: .query)
    /// A path parameter captured by the route template (`/order/{id}`).
    public static let path = ParameterSource(base: .path)
    /// A header field.
    public static let header = ParameterSource(base: .header)
    /// A field of the request's body. `lookup` reads no bodies, so it never finds one; a
    /// handler that parses its own body names this source in its errors.
    public static let body = ParameterSource(base: .body)

    public var description: String {
        switch base {
        case .query: "query"
        case .path: "path"
        case .header: "header"
        case .body: "body"
        }
    }
}

extension Request {
    /// Reads parameter `name` from `source` as `Value`. Missing and invalid outcomes are
    /// reported to the context's `ParameterFailureObserver`, when a middleware stored one
    /// (the metrics middleware counts them in `param_lookup_failures_total`).
    ///
    /// Inlinable, as are the readers below and the list's parsing: a handler's call is then
    /// made for its own type (`[Int]`), where an unspecialized call looked up the array's
    /// generic metadata in the runtime's cache on every request.
    @inlinable
    public func lookup<Value: ParameterValue>(
        _ name: String, as type: Value.Type = Value.self, in source: ParameterSource = .query, context: RequestContext
    ) -> ParameterLookup<Value> {
        let raw: String?
        switch source.base {
        case .query: raw = queryValue(name)
        case .path: raw = context.parameters[name]
        case .header: raw = headers.first(name)
        case .body: raw = nil
        }
        guard let raw, !raw.isEmpty else {
            context[ParameterFailureObserverKey.self]?.parameterLookupFailed(route: context.route, parameter: name, reason: .missing)
            return .missing
        }
        guard let value = Value(parameterText: Substring(raw)) else {
            context[ParameterFailureObserverKey.self]?.parameterLookupFailed(route: context.route, parameter: name, reason: .invalid)
            return .invalid(received: raw, expected: Value.parameterTypeName)
        }
        return .found(value)
    }

    /// The parameter's value; throws a 400 naming the parameter when it is missing or
    /// invalid.
    @inlinable
    public func require<Value: ParameterValue>(
        _ name: String, as type: Value.Type = Value.self, in source: ParameterSource = .query, context: RequestContext
    ) throws(HTTPError) -> Value {
        switch lookup(name, as: type, in: source, context: context) {
        case .found(let value): return value
        case .missing: throw .missingParameter(name, expected: Value.parameterTypeName, source: source)
        case .invalid(let received, let expected):
            throw .invalidParameter(name, expected: expected, received: received, source: source)
        }
    }

    /// The parameter's value, or `nil` when it is missing. A parameter that is present but
    /// invalid still throws 400: a value the client sent is never silently ignored.
    @inlinable
    public func optional<Value: ParameterValue>(
        _ name: String, as type: Value.Type = Value.self, in source: ParameterSource = .query, context: RequestContext
    ) throws(HTTPError) -> Value? {
        switch lookup(name, as: type, in: source, context: context) {
        case .found(let value): return value
        case .missing: return nil
        case .invalid(let received, let expected):
            throw .invalidParameter(name, expected: expected, received: received, source: source)
        }
    }

    /// The parameter's value, or `defaultValue` when it is missing; invalid throws 400.
    @inlinable
    public func value<Value: ParameterValue>(
        _ name: String, as type: Value.Type = Value.self, in source: ParameterSource = .query, default defaultValue: Value,
        context: RequestContext
    ) throws(HTTPError) -> Value {
        try optional(name, as: type, in: source, context: context) ?? defaultValue
    }
}

extension HTTPError {
    /// 400 `missing_parameter`, naming the parameter and the type expected.
    public static func missingParameter(_ name: String, expected: String, source: ParameterSource) -> HTTPError {
        HTTPError(.badRequest, code: .missingParameter,
                  message: "\(source.description.capitalizedFirst) parameter '\(name)' (\(expected)) is required",
                  details: [("parameter", name), ("source", source.description), ("expected", expected)])
    }

    /// 400 `invalid_parameter`, naming the parameter, what it takes and, when there is
    /// text to quote, what came.
    public static func invalidParameter(_ name: String, expected: String, received: String?, source: ParameterSource) -> HTTPError {
        guard let received else {
            return HTTPError(.badRequest, code: .invalidParameter,
                             message: "\(source.description.capitalizedFirst) parameter '\(name)' expects \(expected)",
                             details: [("parameter", name), ("source", source.description), ("expected", expected)])
        }
        return HTTPError(.badRequest, code: .invalidParameter,
                         message: "\(source.description.capitalizedFirst) parameter '\(name)' expects \(expected); got '\(received)'",
                         details: [("parameter", name), ("source", source.description), ("expected", expected), ("received", received)])
    }
}

/// Told about every failed safe parameter lookup, so that it can be counted. A middleware
/// stores one per request under `ParameterFailureObserverKey` (the metrics middleware
/// counts them in `param_lookup_failures_total`). A class, so that storing it per request
/// is one retain.
public final class ParameterFailureObserver: Sendable {
    let report: @Sendable (_ route: String, _ parameter: String, _ reason: ParameterFailureReason) -> Void

    /// An observer that calls `report` for each lookup that found its parameter missing or
    /// invalid.
    public init(_ report: @escaping @Sendable (_ route: String, _ parameter: String, _ reason: ParameterFailureReason) -> Void) {
        self.report = report
    }

    /// Reports one failed lookup.
    public func parameterLookupFailed(route: String, parameter: String, reason: ParameterFailureReason) {
        report(route, parameter, reason)
    }
}

/// Where a request's `ParameterFailureObserver` is kept in its context.
public enum ParameterFailureObserverKey: RequestContextKey {
    public typealias Value = ParameterFailureObserver
}

/// Why a parameter lookup failed: the `reason` label of `param_lookup_failures_total`.
public struct ParameterFailureReason: Sendable, Hashable, CustomStringConvertible {
    enum Base: Sendable, Hashable { case missing, invalid }
    let base: Base

    /// The parameter was absent (or empty).
    public static let missing = ParameterFailureReason(base: .missing)
    /// The parameter was present but did not parse as the expected type.
    public static let invalid = ParameterFailureReason(base: .invalid)

    /// Both reasons, in label order.
    public static let all: [ParameterFailureReason] = [.missing, .invalid]

    public var description: String {
        switch base {
        case .missing: "missing"
        case .invalid: "invalid"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
