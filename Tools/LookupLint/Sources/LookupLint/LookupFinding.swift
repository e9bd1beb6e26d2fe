/// One place the rule flags: where it is, what it is, and what to write instead.
public struct LookupFinding: Sendable, Hashable, CustomStringConvertible {
    /// What was found.
    public enum Kind: Sendable, Hashable {
        /// A lookup whose missing case becomes a zero value (`dict[key] ?? 0`).
        case zeroDefault
        /// A force-unwrapped subscript (`dict[key]!`).
        case forceUnwrappedSubscript
        /// A `lookup-lint: allow` marker without a reason, or one that allows nothing.
        case marker
    }

    /// The file's path as the checker was given it.
    public let file: String
    /// 1-based line.
    public let line: Int
    /// 1-based column, in UTF-8 bytes (as the compiler counts).
    public let column: Int
    /// What was found.
    public let kind: Kind
    /// What is wrong, and the safe alternative.
    public let message: String

    /// A finding at `file:line:column`.
    public init(file: String, line: Int, column: Int, kind: Kind, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.kind = kind
        self.message = message
    }

    /// `file:line:column: message`, the compiler's shape, which editors and CI logs link.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}
