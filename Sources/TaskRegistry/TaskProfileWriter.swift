import JSONEscaping
/// A byte buffer with the few formatting helpers the profile needs, written for speed: a
/// 100,000-task dump goes through here, so no per-field `String` is built.
struct TaskProfileWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func write(byte: UInt8) { bytes.append(byte) }

    mutating func write(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        let start = bytes.count
        var remaining = value
        while remaining > 0 {
            bytes.append(UInt8(truncatingIfNeeded: remaining % 10) &+ 48)
            remaining /= 10
        }
        bytes[start...].reverse()
    }

    mutating func write(_ value: Int) {
        if value < 0 { write(byte: UInt8(ascii: "-")) }
        write(UInt64(value.magnitude))
    }

    mutating func write(_ id: TaskID) {
        write(UInt64(id.shard))
        write(byte: UInt8(ascii: ":"))
        write(id.sequence)
    }

    /// `12.345`: seconds with millisecond precision, as a JSON number.
    mutating func writeSeconds(_ duration: Duration) {
        let milliseconds = Self.milliseconds(duration)
        write(milliseconds / 1000)
        write(byte: UInt8(ascii: "."))
        let fraction = milliseconds % 1000
        if fraction < 100 { write(byte: UInt8(ascii: "0")) }
        if fraction < 10 { write(byte: UInt8(ascii: "0")) }
        write(fraction)
    }

    /// A short human age: `850ms`, `12.3s`, `2m13s`, `1h02m`.
    mutating func writeAge(_ duration: Duration) {
        let milliseconds = Self.milliseconds(duration)
        if milliseconds < 1000 {
            write(milliseconds)
            write("ms" as StaticString)
        } else if milliseconds < 60_000 {
            write(milliseconds / 1000)
            write(byte: UInt8(ascii: "."))
            write(milliseconds % 1000 / 100)
            write(byte: UInt8(ascii: "s"))
        } else if milliseconds < 3_600_000 {
            write(milliseconds / 60_000)
            write(byte: UInt8(ascii: "m"))
            write(milliseconds % 60_000 / 1000)
            write(byte: UInt8(ascii: "s"))
        } else {
            write(milliseconds / 3_600_000)
            write(byte: UInt8(ascii: "h"))
            let minutes = milliseconds % 3_600_000 / 60_000
            if minutes < 10 { write(byte: UInt8(ascii: "0")) }
            write(minutes)
            write(byte: UInt8(ascii: "m"))
        }
    }

    static func milliseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1000 &+ UInt64(attoseconds / 1_000_000_000_000_000)
    }

    /// `"text"` with JSON escaping (RFC 8259 §7); copies runs that need none in one go.
    mutating func writeJSONString(_ text: String) {
        var text = text
        text.withUTF8 { writeJSONString(utf8: $0) }
    }

    mutating func writeJSONString(_ text: StaticString) {
        text.withUTF8Buffer { writeJSONString(utf8: $0) }
    }

    mutating func writeJSONString(utf8: UnsafeBufferPointer<UInt8>) {
        write(byte: UInt8(ascii: "\""))
        writeJSONContents(utf8: utf8)
        write(byte: UInt8(ascii: "\""))
    }

    /// A JSON string literal for `file:line`.
    mutating func writeJSONSite(_ site: TaskSite) {
        write(byte: UInt8(ascii: "\""))
        site.fileID.withUTF8Buffer { writeJSONContents(utf8: $0) }
        write(byte: UInt8(ascii: ":"))
        write(UInt64(site.line))
        write(byte: UInt8(ascii: "\""))
    }

    /// The escaped bytes of a JSON string, without the quotes (`JSONEscaper`).
    mutating func writeJSONContents(utf8: UnsafeBufferPointer<UInt8>) {
        JSONEscaper.appendEscaped(utf8, to: &bytes)
    }
}
