/// How log records are written: swift-log's default text, or one JSON object per line.
///
/// A struct around a private enum, so that a format can be added without breaking a
/// `switch` in someone else's code.
public struct LogFormat: Sendable, Hashable, CustomStringConvertible {
    private enum Base: String, Sendable, Hashable {
        case text, json
    }

    private let base: Base

    /// swift-log's `StreamLogHandler` lines: `2026-12-06T20:40:00+0000 info orders : key=value [Module] message`.
    public static let text = LogFormat(base: .text)
    /// One JSON object per line (`JSONLogHandler`).
    public static let json = LogFormat(base: .json)

    private init(base: Base) { self.base = base }

    /// The format named `name` ("text" or "json"), or nil.
    public init?(name: String) {
        guard let base = Base(rawValue: name) else { return nil }
        self.base = base
    }

    /// Its name, as `--log-format` takes it.
    public var description: String { base.rawValue }

    /// Every format's name.
    public static let names = ["text", "json"]
}
