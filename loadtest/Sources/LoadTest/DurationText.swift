/// Durations written the way people type them on a command line: `10s`, `250ms`, `1m`,
/// `1.5s`, `500us`, `2h`. A bare number is seconds.
public enum DurationText {
    /// Parses `text`, or returns nil when it is not a non-negative duration.
    public static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        let trimmed = text.trimmingWhitespace()
        for unit in units.sorted(by: { $0.suffix.count > $1.suffix.count }) where trimmed.hasSuffix(unit.suffix) {
            let number = String(trimmed.dropLast(unit.suffix.count))
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            return .nanoseconds(Int64((value * unit.nanoseconds).rounded()))
        }
        guard let seconds = Double(trimmed), seconds >= 0, seconds.isFinite else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// A short human form: `850µs`, `12.3ms`, `4.20s`.
    public static func format(nanoseconds: UInt64) -> String {
        let value = Double(nanoseconds)
        if value < 1e3 { return "\(nanoseconds)ns" }
        if value < 1e6 { return "\(formatted(value / 1e3))µs" }
        if value < 1e9 { return "\(formatted(value / 1e6))ms" }
        return "\(formatted(value / 1e9))s"
    }

    static func formatted(_ value: Double) -> String {
        let digits = value < 10 ? 2 : value < 100 ? 1 : 0
        return value.formatted(digits: digits)
    }
}
