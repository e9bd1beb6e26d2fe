import Foundation

/// `--start-at`: when sending starts, so that generators on several machines start
/// together: an RFC 3339 time (`2026-12-07T03:00:00Z`, fractional seconds and offsets
/// allowed) or `+DURATION` from now (`+5s`). It must lie ahead, by at most 24 hours.
public enum StartTime {
    /// Why a start time was refused.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The furthest ahead a start may be.
    public static let maxLead: TimeInterval = 24 * 3600

    /// Parses `text` against the clock reading `now`.
    public static func parse(_ text: String, now: Date = Date()) throws(Problem) -> Date {
        let trimmed = text.trimmingWhitespace()
        let date: Date
        if trimmed.hasPrefix("+") {
            guard let lead = DurationText.parse(String(trimmed.dropFirst())), lead > .zero else {
                throw Problem(description: "--start-at: \(text): expected +DURATION (e.g. +5s) or an RFC 3339 time (e.g. 2026-12-07T03:00:00Z)")
            }
            date = now.addingTimeInterval(lead.secondsValue)
        } else {
            guard let parsed = rfc3339(trimmed) else {
                throw Problem(description: "--start-at: \(text): not an RFC 3339 time with a zone (e.g. 2026-12-07T03:00:00Z) or +DURATION")
            }
            date = parsed
        }
        guard date > now else { throw Problem(description: "--start-at: \(text) has passed") }
        guard date.timeIntervalSince(now) <= maxLead else { throw Problem(description: "--start-at: \(text) is more than 24h ahead") }
        return date
    }

    static func rfc3339(_ text: String) -> Date? {
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
