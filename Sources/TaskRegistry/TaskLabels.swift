/// An ordered, small list of `key=value` labels on a task, such as `route` and `request_id`.
///
/// The first three pairs are stored inline, so labelling a request costs no allocation
/// (short keys and values are small strings, stored inside `String` itself). Build hot-path
/// labels with `init()` and `append(_:_:)`: a dictionary literal goes through a variadic
/// array. Keys are not deduplicated; `subscript` returns the first match.
public struct TaskLabels: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence, CustomStringConvertible {
    public typealias Element = (key: String, value: String)

    private var count0: UInt8 = 0
    private var key0 = "", value0 = ""
    private var key1 = "", value1 = ""
    private var key2 = "", value2 = ""
    private var overflow: [Element] = []

    /// No labels.
    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { append(key, value) }
    }

    /// Labels from pairs, in order.
    public init(_ pairs: some Sequence<(String, String)>) {
        for (key, value) in pairs { append(key, value) }
    }

    /// The number of labels.
    public var count: Int { Int(count0) + overflow.count }

    public var isEmpty: Bool { count0 == 0 }

    /// Adds a label at the end.
    public mutating func append(_ key: String, _ value: String) {
        switch count0 {
        case 0: key0 = key; value0 = value; count0 = 1
        case 1: key1 = key; value1 = value; count0 = 2
        case 2: key2 = key; value2 = value; count0 = 3
        default: overflow.append((key, value))
        }
    }

    /// The value of the first label named `key`.
    public subscript(key: String) -> String? {
        for element in self where element.key == key { return element.value }
        return nil
    }

    /// The label at `index` (0 ..< count).
    public subscript(position index: Int) -> Element {
        switch index {
        case 0 where count0 > 0: (key0, value0)
        case 1 where count0 > 1: (key1, value1)
        case 2 where count0 > 2: (key2, value2)
        default: overflow[index - 3]
        }
    }

    /// These labels without the ones whose key is in `keys`.
    public func removing(keys: Set<String>) -> TaskLabels {
        removing { keys.contains($0) }
    }

    /// The labels without those whose key matches `isRemoved`.
    public func removing(where isRemoved: (String) -> Bool) -> TaskLabels {
        var kept = TaskLabels()
        var changed = false
        for element in self {
            if isRemoved(element.key) { changed = true } else { kept.append(element.key, element.value) }
        }
        return changed ? kept : self
    }

    public struct Iterator: IteratorProtocol {
        let labels: TaskLabels
        var index = 0
        public mutating func next() -> Element? {
            guard index < labels.count else { return nil }
            defer { index += 1 }
            return labels[position: index]
        }
    }

    public func makeIterator() -> Iterator { Iterator(labels: self) }

    public var underestimatedCount: Int { count }

    public static func == (lhs: TaskLabels, rhs: TaskLabels) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self {
            hasher.combine(element.key)
            hasher.combine(element.value)
        }
    }

    /// `route="/api/v1/order/map" request_id="…"`.
    public var description: String {
        map { "\($0.key)=\"\($0.value)\"" }.joined(separator: " ")
    }
}
