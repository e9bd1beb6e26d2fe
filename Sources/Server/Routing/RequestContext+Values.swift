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
        get { values.value(for: ObjectIdentifier(key)).map { $0 as! Key.Value } }
        set {
            if let newValue { values.set(newValue, for: ObjectIdentifier(key)) } else { values.remove(ObjectIdentifier(key)) }
        }
    }
}

/// A request's middleware values.
///
/// Two values are kept inline, so that the usual ones (a request id, a parameter-failure
/// observer) cost no allocation; more go to an array. A value of up to three words (a
/// string, a class reference, a class-bound existential) also fits its existential's own
/// buffer, so storing it allocates nothing either. Keys sit apart from values, so finding a
/// slot never copies a value (an existential copy is a call through its type's witnesses).
/// Reading casts back to the key's type.
@usableFromInline
struct RequestContextValues: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let key: ObjectIdentifier
        @usableFromInline var value: any Sendable

        @usableFromInline
        init(key: ObjectIdentifier, value: any Sendable) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline var firstKey: ObjectIdentifier?
    @usableFromInline var firstValue: (any Sendable)?
    @usableFromInline var secondKey: ObjectIdentifier?
    @usableFromInline var secondValue: (any Sendable)?
    @usableFromInline var more: [Entry] = []

    @usableFromInline
    init() {}

    @inlinable
    func value(for key: ObjectIdentifier) -> (any Sendable)? {
        if firstKey == key { return firstValue }
        if secondKey == key { return secondValue }
        return more.first { $0.key == key }?.value
    }

    @inlinable
    mutating func set(_ value: any Sendable, for key: ObjectIdentifier) {
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
