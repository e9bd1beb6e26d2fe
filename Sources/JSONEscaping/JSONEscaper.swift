/// JSON string escaping (RFC 8259 §7): the one implementation that every JSON writer of the
/// service uses, the domain's `JSONWriter`, the error bodies, `/debug/vars` and the task
/// profiles alike.
///
/// `"` and `\` are escaped, control characters become `\b`, `\f`, `\n`, `\r`, `\t` or
/// `\u00XX`, and every other byte passes through (UTF-8 sequences are all bytes >= 0x80).
/// Runs of bytes that need nothing are copied in one go.
public enum JSONEscaper {
    /// The most bytes `writeEscaped` writes for `count` input bytes (`\u00XX` per byte).
    @inlinable
    public static func maxEscapedCount(_ count: Int) -> Int { 6 * count }

    /// Writes the escaped text of `utf8`, without quotes, at `destination`, which must have
    /// room for `maxEscapedCount(utf8.count)` bytes. Returns the number of bytes written.
    @inlinable
    public static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index, let base = utf8.baseAddress {
                (destination + written).update(from: base + runStart, count: index - runStart)
                written += index - runStart
            }
            written += escape(byte, to: destination + written)
            runStart = index + 1
        }
        if runStart < utf8.count, let base = utf8.baseAddress {
            (destination + written).update(from: base + runStart, count: utf8.count - runStart)
            written += utf8.count - runStart
        }
        return written
    }

    /// Appends the escaped text of `utf8`, without quotes.
    @inlinable
    public static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: maxEscapedCount(utf8.count)))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            writeEscaped(utf8, to: buffer.baseAddress.unsafelyUnwrapped + start)
        }
        out.removeLast(maxEscapedCount(utf8.count) - written)
    }

    /// Appends `text` as a JSON string literal: `"`, the escaped text and `"`.
    public static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        out.append(UInt8(ascii: "\""))
        text.withUTF8 { appendEscaped($0, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// One escape sequence for `byte`; returns its length.
    @inlinable @inline(__always)
    static func escape(_ byte: UInt8, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        destination[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""): destination[1] = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): destination[1] = UInt8(ascii: "\\")
        case 0x08: destination[1] = UInt8(ascii: "b")
        case 0x0C: destination[1] = UInt8(ascii: "f")
        case 0x0A: destination[1] = UInt8(ascii: "n")
        case 0x0D: destination[1] = UInt8(ascii: "r")
        case 0x09: destination[1] = UInt8(ascii: "t")
        default:
            destination[1] = UInt8(ascii: "u")
            destination[2] = UInt8(ascii: "0")
            destination[3] = UInt8(ascii: "0")
            destination[4] = hexDigit(byte >> 4)
            destination[5] = hexDigit(byte & 0x0F)
            return 6
        }
        return 2
    }

    @inlinable @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
