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
        get { values.value(for: ObjectIdentifier(key), as: Key.Value.self) }
        set {
            if let newValue {
                values.set(newValue, for: ObjectIdentifier(key))
            } else {
                values.remove(ObjectIdentifier(key))
            }
        }
    }
}

/// A request's middleware values.
///
/// The usual values are one string and one object (a request id, a parameter-failure
/// observer), so there is a slot for each, typed as what it holds: storing a string is a
/// copy, storing an object a retain, and ending the request what ending two such fields
/// costs. Anything else, or a second string or object, goes to an array of boxes, one per
/// value (an allocation for the array and one per value). A box is read back with an
/// unchecked downcast: the key names the value's type, so the box's type is known, where a
/// checked cast out of an existential (`as!`) went through the runtime's dynamic cast on
/// every read. The type tests fold away once the subscript is specialized for a key.
@usableFromInline
struct RequestContextValues: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let key: ObjectIdentifier
        /// A `ValueBox<Value>` of the key's `Value`, never changed: setting a value
        /// replaces its box, so copies of a context never share a change.
        @usableFromInline let box: any AnyObject & Sendable

        @usableFromInline
        init(key: ObjectIdentifier, box: any AnyObject & Sendable) {
            self.key = key
            self.box = box
        }
    }

    /// One value of the array, boxed.
    @usableFromInline
    final class ValueBox<Value: Sendable>: Sendable {
        @usableFromInline let value: Value

        @usableFromInline
        init(_ value: Value) { self.value = value }
    }

    @usableFromInline var stringKey: ObjectIdentifier?
    @usableFromInline var string = ""
    @usableFromInline var objectKey: ObjectIdentifier?
    @usableFromInline var object: (any AnyObject & Sendable)?
    @usableFromInline var more: [Entry] = []

    @usableFromInline
    init() {}

    @inlinable @inline(__always)
    func value<Value: Sendable>(for key: ObjectIdentifier, as type: Value.Type) -> Value? {
        if Value.self == String.self, stringKey == key { return unsafeBitCast(string, to: Value.self) }
        if Value.self is AnyObject.Type, MemoryLayout<Value>.size == MemoryLayout<AnyObject>.size, objectKey == key, let object { return unsafeBitCast(object, to: Value.self) }
        return more.first { $0.key == key }.map { unsafeDowncast($0.box, to: ValueBox<Value>.self).value }
    }

    @inlinable @inline(__always)
    mutating func set<Value: Sendable>(_ value: consuming Value, for key: ObjectIdentifier) {
        if Value.self == String.self, stringKey == nil || stringKey == key {
            stringKey = key
            string = unsafeBitCast(value, to: String.self)
        } else if Value.self is AnyObject.Type, MemoryLayout<Value>.size == MemoryLayout<AnyObject>.size,
                  objectKey == nil || objectKey == key {
            objectKey = key
            object = unsafeBitCast(value, to: (any AnyObject & Sendable).self)
        } else {
            setInArray(ValueBox(value), for: key)
        }
    }

    @usableFromInline
    mutating func setInArray(_ box: any AnyObject & Sendable, for key: ObjectIdentifier) {
        if let index = more.firstIndex(where: { $0.key == key }) {
            more[index] = Entry(key: key, box: box)
        } else {
            more.append(Entry(key: key, box: box))
        }
    }

    @usableFromInline
    mutating func remove(_ key: ObjectIdentifier) {
        if stringKey == key {
            stringKey = nil
            string = ""
        } else if objectKey == key {
            objectKey = nil
            object = nil
        }
        // A key that once lived in the array while its slot was taken may still be there.
        if !more.isEmpty { more.removeAll { $0.key == key } }
    }
}
