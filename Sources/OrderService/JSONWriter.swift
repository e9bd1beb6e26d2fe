/// A small, fast JSON writer that appends UTF-8 to a byte buffer.
///
/// It writes values in the order they are given and inserts the commas itself; it does
/// not check that keys and values alternate, so the caller owns the structure. Strings
/// are escaped per RFC 8259: `"` and `\` are escaped, control characters become `\b`,
/// `\f`, `\n`, `\r`, `\t` or `\u00XX`, and all other text passes through as UTF-8.
///
/// ```swift
/// var json = JSONWriter()
/// json.beginObject()
/// json.field("id", 1)
/// json.field("name", "alice")
/// json.endObject()
/// let body = json.takeBytes()  // {"id":1,"name":"alice"}
/// ```
public struct JSONWriter: Sendable {
    /// The buffer, always fully initialised; only `storage[..<length]` is output.
    ///
    /// Appending to an `Array` one token at a time costs a uniqueness and a capacity check
    /// per token, which profiling showed to dominate. Instead each call reserves room for
    /// its worst case once and writes through a pointer.
    private var storage: [UInt8]
    private var length = 0
    /// Whether the next key or value needs a comma before it.
    private var needsComma = false

    /// Creates an empty writer with room for `capacity` bytes before it must grow.
    public init(reservingCapacity capacity: Int = 256) {
        self.storage = [UInt8](repeating: 0, count: max(capacity, 16))
    }

    /// A copy of the bytes written so far; ``takeBytes()`` avoids the copy.
    public var bytes: [UInt8] {
        Array(self.storage[..<self.length])
    }

    /// Takes the bytes written without copying them, leaving the writer empty.
    public mutating func takeBytes() -> [UInt8] {
        self.storage.removeSubrange(self.length...)
        defer {
            self.storage = []  // the next write grows it
            self.length = 0
            self.needsComma = false
        }
        return self.storage
    }

    // MARK: Structure

    /// Writes `{`.
    public mutating func beginObject() {
        self.open(UInt8(ascii: "{"))
    }

    /// Writes `}`.
    public mutating func endObject() {
        self.close(UInt8(ascii: "}"))
    }

    /// Writes `[`.
    public mutating func beginArray() {
        self.open(UInt8(ascii: "["))
    }

    /// Writes `]`.
    public mutating func endArray() {
        self.close(UInt8(ascii: "]"))
    }

    /// Writes an object key and the colon after it.
    public mutating func key(_ key: String) {
        var key = key
        // Contiguous UTF-8 for native strings (small ones are copied to the stack).
        key.withUTF8 { key in
            self.write(maxCount: Cursor.maxEscapedCount(key.count) + 2) { cursor in
                cursor.escapedString(key)
                cursor.byte(UInt8(ascii: ":"))
            }
        }
        self.needsComma = false
    }

    /// Writes an object key and the colon after it.
    public mutating func key(_ key: StaticString) {
        key.withUTF8Buffer { key in
            self.write(maxCount: Cursor.maxEscapedCount(key.count) + 2) { cursor in
                cursor.escapedString(key)
                cursor.byte(UInt8(ascii: ":"))
            }
        }
        self.needsComma = false
    }

    // MARK: Values

    /// Writes a string value, escaped.
    public mutating func value(_ value: String) {
        var value = value
        value.withUTF8 { value in
            self.write(maxCount: Cursor.maxEscapedCount(value.count) + 1) { $0.escapedString(value) }
        }
        self.needsComma = true
    }

    /// Writes a string value, escaped.
    public mutating func value(_ value: StaticString) {
        value.withUTF8Buffer { value in
            self.write(maxCount: Cursor.maxEscapedCount(value.count) + 1) { $0.escapedString(value) }
        }
        self.needsComma = true
    }

    /// Writes an integer value.
    public mutating func value(_ value: Int) {
        self.write(maxCount: Cursor.maxIntCount + 1) { $0.int(value) }
        self.needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func value(_ value: Bool) {
        self.write(maxCount: 6) { $0.ascii(value ? "true" : "false") }
        self.needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        self.write(maxCount: 5) { $0.ascii("null") }
        self.needsComma = true
    }

    // MARK: Fields (key and value)

    // Shorthands for `key(_:)` followed by `value(_:)`.

    public mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: StaticString, _ value: StaticString) {
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: StaticString, _ value: Int) {
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        self.value(value)
    }

    // MARK: Internals

    /// Opens a container, after a comma if one is due; its first member needs none.
    @inline(__always)
    private mutating func open(_ bracket: UInt8) {
        self.write(maxCount: 1) { $0.byte(bracket) }
        self.needsComma = false
    }

    /// Closes a container, which is then a value that a sibling must follow with a comma.
    @inline(__always)
    private mutating func close(_ bracket: UInt8) {
        self.needsComma = false
        self.write(maxCount: 1) { $0.byte(bracket) }
        self.needsComma = true
    }

    /// Makes room for `maxCount` more bytes (plus a comma, if one is due), writes the
    /// comma, and lets `body` write at most `maxCount` bytes through a cursor.
    @inline(__always)
    private mutating func write(maxCount: Int, _ body: (inout Cursor) -> Void) {
        let needed = self.length + maxCount + 1
        if needed > self.storage.count {
            self.grow(toAtLeast: needed)
        }
        var position = self.length
        let comma = self.needsComma
        self.storage.withUnsafeMutableBufferPointer { buffer in
            // Safe: `buffer` holds `needed` bytes and `body` writes at most `maxCount` after
            // the comma, as each caller's `maxCount` bounds what its cursor calls can write.
            var cursor = Cursor(base: buffer.baseAddress.unsafelyUnwrapped, position: position)
            if comma { cursor.byte(UInt8(ascii: ",")) }
            body(&cursor)
            assert(cursor.position <= position + maxCount + 1, "JSONWriter: maxCount was too small")
            position = cursor.position
        }
        self.length = position
    }

    /// Writes one complete value (with a comma before it if one is due) through a cursor
    /// that may write at most `maxCount` bytes.
    ///
    /// For this module's hot serialisers, which write a whole object per reservation.
    mutating func writeValue(maxCount: Int, _ body: (inout Cursor) -> Void) {
        self.write(maxCount: maxCount, body)
        self.needsComma = true
    }

    private mutating func grow(toAtLeast needed: Int) {
        // Doubling keeps appends amortised O(1).
        let newCount = max(needed, 2 * self.storage.count)
        self.storage.append(contentsOf: repeatElement(0, count: newCount - self.storage.count))
    }
}
