import CLoadClient
import Testing

/// The C response parser keeping a body (for scenario checks): framing removed, whole and
/// byte by byte, up to its bound.
@Suite struct HTTP1ResponseCaptureTests {
    /// Feeds `text` in pieces of `step` bytes, keeping at most `cap` body bytes; returns the
    /// kept body and whether it overflowed, once the response is complete.
    static func capture(_ text: String, cap: Int, step: Int) -> (body: String, overflow: Bool)? {
        var parser = lc_h1_response_parser()
        lc_h1_response_begin(&parser, 0, 4096)
        var storage = [CChar](repeating: 0, count: cap)
        return storage.withUnsafeMutableBufferPointer { buffer -> (String, Bool)? in
            parser.capture = buffer.baseAddress
            parser.capture_cap = UInt32(cap)
            let bytes = Array(text.utf8)
            var pending: [UInt8] = []
            var offset = 0
            while offset < bytes.count || !pending.isEmpty {
                let piece = bytes[offset..<(offset + min(step, bytes.count - offset))]
                offset += piece.count
                pending += piece
                var consumed = 0
                let result = pending.withUnsafeBufferPointer { input in
                    input.withMemoryRebound(to: CChar.self) { lc_h1_response_feed(&parser, $0.baseAddress, $0.count, &consumed) }
                }
                pending.removeFirst(consumed)
                if Int(result) == LC_H1_DONE {
                    let kept = UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(parser.capture_len))
                    return (String(decoding: kept, as: UTF8.self), parser.capture_overflow != 0)
                }
                if Int(result) == LC_H1_ERROR || (offset >= bytes.count && consumed == 0) { return nil }
            }
            return nil
        }
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 64, "hello", false),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\n, w\r\n0\r\nTrailer: x\r\n\r\n", 64, "hello, w", false),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 64, "{}", false),
        ("HTTP/1.1 204 No Content\r\n\r\n", 64, "", false),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 4, "0123", true),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 5, "abcde", true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 4, "abcd", false),
    ] as [(String, Int, String, Bool)])
    func keepsTheBodyWithoutItsFraming(text: String, cap: Int, body: String, overflow: Bool) {
        for step in [Int.max, 1, 3] {
            let kept = Self.capture(text, cap: cap, step: step)
            #expect(kept?.body == body && kept?.overflow == overflow, "step \(step): \(String(describing: kept))")
        }
    }
}
