import JSONEscaping

extension JSONWriter {
    /// Unchecked writes into space that the writer has already reserved.
    ///
    /// Every method writes a bounded number of bytes (see ``maxIntCount`` and
    /// ``maxEscapedCount(_:)``); the caller of ``JSONWriter/writeValue(maxCount:_:)`` adds
    /// those bounds up front. Debug builds check the sum.
    struct Cursor {
        let base: UnsafeMutablePointer<UInt8>
        var position: Int

        /// Digits of `Int.min`, with the sign.
        static let maxIntCount = 20

        /// The most bytes that `escapedString` writes for `count` input bytes.
        @inline(__always)
        static func maxEscapedCount(_ count: Int) -> Int {
            JSONEscaper.maxEscapedCount(count) + 2
        }

        @inline(__always)
        mutating func byte(_ byte: UInt8) {
            self.base[self.position] = byte
            self.position += 1
        }

        @inline(__always)
        mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress else { return }
            (self.base + self.position).update(from: source, count: bytes.count)
            self.position += bytes.count
        }

        /// Trusted ASCII, written as is: literals such as `true`, or JSON fragments such as
        /// `,"id":` whose quotes are meant.
        @inline(__always)
        mutating func ascii(_ text: StaticString) {
            text.withUTF8Buffer { self.bytes($0) }
        }

        /// A `String` as `"`, the escaped text and `"`.
        mutating func escapedString(_ string: String) {
            var string = string
            string.withUTF8 { self.escapedString($0) }
        }

        /// `"`, the escaped text and `"` (`JSONEscaper`, copying unescaped runs in one go).
        mutating func escapedString(_ utf8: UnsafeBufferPointer<UInt8>) {
            self.byte(UInt8(ascii: "\""))
            self.position += JSONEscaper.writeEscaped(utf8, to: self.base + self.position)
            self.byte(UInt8(ascii: "\""))
        }

        @inline(__always)
        mutating func bool(_ value: Bool) {
            self.ascii(value ? "true" : "false")
        }

        /// The decimal digits of `value`, zero-padded to `minimumDigits` (at most 19).
        mutating func int(_ value: Int, minimumDigits: Int = 1) {
            if value < 0 {
                self.byte(UInt8(ascii: "-"))
            }
            var remaining = value.magnitude
            let digits = max(Self.decimalDigitCount(remaining), minimumDigits)
            // Fill from the last digit backwards, two digits per division.
            var index = self.position + digits
            Self.digitPairs.withUTF8Buffer { pairs in
                while remaining >= 100 {
                    let (quotient, remainder) = remaining.quotientAndRemainder(dividingBy: 100)
                    index -= 2
                    self.base[index] = pairs[Int(remainder) &* 2]
                    self.base[index + 1] = pairs[Int(remainder) &* 2 + 1]
                    remaining = quotient
                }
                if remaining >= 10 {
                    index -= 2
                    self.base[index] = pairs[Int(remaining) &* 2]
                    self.base[index + 1] = pairs[Int(remaining) &* 2 + 1]
                } else {
                    index -= 1
                    self.base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining)
                }
            }
            while index > self.position {
                index -= 1
                self.base[index] = UInt8(ascii: "0")
            }
            self.position += digits
        }

        private static var digitPairs: StaticString {
            """
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """
        }

        @inline(__always)
        private static func decimalDigitCount(_ value: UInt) -> Int {
            var count = 1
            var bound: UInt = 10
            while value >= bound {
                count += 1
                let (next, overflow) = bound.multipliedReportingOverflow(by: 10)
                if overflow { break }
                bound = next
            }
            return count
        }
    }
}
