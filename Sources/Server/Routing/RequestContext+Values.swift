/// The key of one value that a middleware keeps per request, and that value's type.
///
/// ```swift
/// enum TenantKey: RequestContextKey { typealias Value = String }
/// context[TenantKey.self] = "acme"          // in the middleware's begin
/// let tenant = context[TenantKey.self]      // in a handler: "acme", or nil
/// ```
public protocol RequestContextKey {
    /// The type of the value stored under this key.
    associatedtype Value: Sendable
}

extension RequestContext {
    /// The value stored under `key` for this request, or `nil`.
    @inlinable
    public subscript<Key: RequestContextKey>(key: Key.Type) -> Key.Value? {
        get { values.value(for: ObjectIdentifier(key)).map { $0.value(as: Key.Value.self) } }
        set {
            if let newValue {
                values.set(RequestContextValue(newValue), for: ObjectIdentifier(key))
            } else {
                values.remove(ObjectIdentifier(key))
            }
        }
    }
}

/// One stored value. Strings and class instances, the usual kinds (a request id, an
/// observer), are kept as themselves: storing one is a copy and a retain, and ending the
/// request a release. Anything else is kept as an existential, whose every copy and
/// destruction is a call through its type's value witnesses (two such values cost a
/// request about 45 ns, `chain-bench`'s "context" parts).
@usableFromInline
enum RequestContextValue: Sendable {
    case string(String)
    case object(AnyObject & Sendable)
    case other(any Sendable)

    /// `value`, by the cheapest case that holds its type. The type tests fold away once
    /// the subscript is specialized for a key.
    @inlinable @inline(__always)
    init<Value: Sendable>(_ value: consuming Value) {
        if Value.self == String.self {
            self = .string(unsafeBitCast(value, to: String.self))
        } else if Value.self is AnyObject.Type {
            self = .object(unsafeBitCast(value, to: (AnyObject & Sendable).self))
        } else {
            self = .other(value)
        }
    }

    /// The value as the key's type, which `init` stored.
    @inlinable @inline(__always)
    func value<Value: Sendable>(as type: Value.Type) -> Value {
        switch self {
        case .string(let string): unsafeBitCast(string, to: Value.self)
        case .object(let object): unsafeBitCast(object, to: Value.self)
        case .other(let value): value as! Value
        }
    }
}

/// A request's middleware values.
///
/// Two values are kept inline, so that the usual ones (a request id, a parameter-failure
/// observer) cost no allocation; more go to an array. Keys sit apart from values, so
/// finding a slot never copies a value.
@usableFromInline
struct RequestContextValues: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let key: ObjectIdentifier
        @usableFromInline var value: RequestContextValue

        @usableFromInline
        init(key: ObjectIdentifier, value: RequestContextValue) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline var firstKey: ObjectIdentifier?
    @usableFromInline var firstValue: RequestContextValue?
    @usableFromInline var secondKey: ObjectIdentifier?
    @usableFromInline var secondValue: RequestContextValue?
    @usableFromInline var more: [Entry] = []

    @usableFromInline
    init() {}

    @inlinable
    func value(for key: ObjectIdentifier) -> RequestContextValue? {
        if firstKey == key { return firstValue }
        if secondKey == key { return secondValue }
        return more.first { $0.key == key }?.value
    }

    @inlinable @inline(__always)
    mutating func set(_ value: consuming RequestContextValue, for key: ObjectIdentifier) {
        if firstKey == key {
            firstValue = value
        } else if secondKey == key {
            secondValue = value
        } else if let index = more.firstIndex(where: { $0.key == key }) {
            more[index].value = value
        } else if firstKey == nil {
            firstKey = key
            firstValue = value
        } else if secondKey == nil {
            secondKey = key
            secondValue = value
        } else {
            more.append(Entry(key: key, value: value))
        }
    }

    @inlinable
    mutating func remove(_ key: ObjectIdentifier) {
        if firstKey == key {
            firstKey = nil
            firstValue = nil
        } else if secondKey == key {
            secondKey = nil
            secondValue = nil
        } else {
            more.removeAll { $0.key == key }
        }
    }
}
