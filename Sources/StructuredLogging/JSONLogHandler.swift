#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import JSONEscaping
import Logging

/// A swift-log handler that writes each record as one JSON object on one line:
///
///     {"timestamp":"2026-12-06T20:41:07.123Z","level":"info","message":"request","label":"orders","request_id":"6f65b9-2","status":"200"}
///
/// `timestamp` is RFC 3339 in UTC with milliseconds; `level`, `message` and `label` (the
/// logger's) follow, then every metadata key: the handler's own, the metadata provider's
/// (the request id, on a request's path) and the record's. A key that repeats one of the
/// four fixed keys is written with a leading underscore (`_level`), so no object has a key
/// twice. Strings are escaped by `JSONEscaper`, so a newline in a message never splits the
/// line. Lines go to a `LogLineWriter`, whose thread does the writing, so a loop that logs
/// never waits on standard error.
///
/// The level is the process's (`LogLevelControl`) unless this handler's copy was given one.
public struct JSONLogHandler: LogHandler {
    /// The handler's own metadata (a value: a copy's changes stay in that copy).
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata read at each record (the request id, the trace id).
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let control: LogLevelControl
    private let writer: LogLineWriter
    private var ownLevel: Logger.Level?

    /// A handler for the logger `label`, at `control`'s level, writing through `writer`.
    public init(label: String, control: LogLevelControl, writer: LogLineWriter,
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.control = control
        self.writer = writer
        self.metadataProvider = metadataProvider
    }

    /// The process's level, or this copy's own once it was set.
    public var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    /// One metadata value of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the record as one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let recorded = event.metadata { merged.merge(recorded) { _, new in new } }
        writer.write(Self.line(timestamp: Self.now(), level: event.level, message: event.message.description,
                               label: label, metadata: merged))
    }

    /// The JSON line for one record, newline included. Keys after the fixed four are sorted,
    /// so that equal records give equal lines.
    public static func line(timestamp: String, level: Logger.Level, message: String, label: String,
                            metadata: Logger.Metadata) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.utf8.count)
        out.append(contentsOf: "{\"timestamp\":".utf8)
        JSONEscaper.appendQuoted(timestamp, to: &out)
        out.append(contentsOf: ",\"level\":".utf8)
        JSONEscaper.appendQuoted(level.rawValue, to: &out)
        out.append(contentsOf: ",\"message\":".utf8)
        JSONEscaper.appendQuoted(message, to: &out)
        out.append(contentsOf: ",\"label\":".utf8)
        JSONEscaper.appendQuoted(label, to: &out)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            out.append(UInt8(ascii: ","))
            JSONEscaper.appendQuoted(fixedKeys.contains(key) ? "_" + key : key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(value, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    private static let fixedKeys: Set<String> = ["timestamp", "level", "message", "label"]

    /// A metadata value as JSON: strings (and anything `CustomStringConvertible`) as strings,
    /// dictionaries as objects, arrays as arrays.
    private static func append(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let text):
            JSONEscaper.appendQuoted(text, to: &out)
        case .stringConvertible(let convertible):
            JSONEscaper.appendQuoted(convertible.description, to: &out)
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, (key, nested)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONEscaper.appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(nested, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, nested) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(nested, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// Now, as RFC 3339 in UTC with milliseconds: "2026-12-06T20:41:07.123Z".
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return timestamp(seconds: Int(time.tv_sec), milliseconds: Int(time.tv_nsec / 1_000_000))
    }

    /// `seconds` since the epoch and `milliseconds` as RFC 3339 in UTC.
    package static func timestamp(seconds: Int, milliseconds: Int) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(parts.tm_year + 1900, 4))-\(digits(parts.tm_mon + 1, 2))-\(digits(parts.tm_mday, 2))"
            + "T\(digits(parts.tm_hour, 2)):\(digits(parts.tm_min, 2)):\(digits(parts.tm_sec, 2))"
            + ".\(digits(Int32(milliseconds), 3))Z"
    }
}
