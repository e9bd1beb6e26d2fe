/// A type that a request parameter can be read as.
public protocol ParameterValue: Sendable {
    /// How the type is named in error bodies, such as `integer` or `list of integers`.
    static var parameterTypeName: String { get }
    /// Parses the parameter's (already percent-decoded) text; `nil` when it does not fit.
    init?(parameterText: Substring)
}

extension Int: ParameterValue {
    public static var parameterTypeName: String { "integer" }
    public init?(parameterText: Substring) {
        guard let value = Int(parameterText, radix: 10) else { return nil }
        self = value
    }
}

extension UInt64: ParameterValue {
    public static var parameterTypeName: String { "non-negative integer" }
    public init?(parameterText: Substring) {
        guard let value = UInt64(parameterText, radix: 10) else { return nil }
        self = value
    }
}

extension Double: ParameterValue {
    public static var parameterTypeName: String { "number" }
    public init?(parameterText: Substring) {
        guard let value = Double(parameterText), value.isFinite else { return nil }
        self = value
    }
}

extension Bool: ParameterValue {
    public static var parameterTypeName: String { "boolean (true or false)" }
    public init?(parameterText: Substring) {
        switch parameterText {
        case "true", "1": self = true
        case "false", "0": self = false
        default: return nil
        }
    }
}

extension String: ParameterValue {
    public static var parameterTypeName: String { "string" }
    public init?(parameterText: Substring) { self = String(parameterText) }
}

/// Comma-separated lists, such as `ids=1,2,3`. Empty items are invalid.
extension Array: ParameterValue where Element: ParameterValue {
    public static var parameterTypeName: String { "comma-separated list of \(Element.parameterTypeName)" }
    @inlinable
    public init?(parameterText: Substring) {
        var elements: [Element] = []
        for item in parameterText.split(separator: ",", omittingEmptySubsequences: false) {
            guard let element = Element(parameterText: item) else { return nil }
            elements.append(element)
        }
        guard !elements.isEmpty else { return nil }
        self = elements
    }
}

/// A strictly positive integer, such as an order id.
public struct PositiveInt: ParameterValue, Hashable, Comparable {
    public let value: Int
    public init?(_ value: Int) {
        guard value > 0 else { return nil }
        self.value = value
    }
    public static var parameterTypeName: String { "positive integer" }
    public init?(parameterText: Substring) {
        guard let value = Int(parameterText, radix: 10) else { return nil }
        self.init(value)
    }
    public static func < (lhs: PositiveInt, rhs: PositiveInt) -> Bool { lhs.value < rhs.value }
}
