extension Double {
    /// Fixed-point text with `digits` decimals, without Foundation's formatters.
    func formatted(digits: Int) -> String {
        guard isFinite else { return "\(self)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        let whole = UInt64(scaled / scale)
        let fraction = UInt64(scaled - Double(whole) * scale)
        let sign = self < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(whole)" }
        var fractionText = String(fraction)
        while fractionText.count < digits { fractionText = "0" + fractionText }
        return "\(sign)\(whole).\(fractionText)"
    }
}

extension String.StringInterpolation {
    mutating func appendInterpolation(_ value: Double, digits: Int) {
        appendLiteral(value.formatted(digits: digits))
    }
}
