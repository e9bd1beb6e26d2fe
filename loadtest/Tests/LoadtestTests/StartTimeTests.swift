import Foundation
@testable import LoadTest
import Testing

/// `--start-at`.
@Suite struct StartTimeTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000) // 2026-12-01

    @Test(arguments: [("+5s", 5.0), ("+1.5m", 90), ("+250ms", 0.25), ("+24h", 86400)])
    func parsesLeads(text: String, lead: Double) throws {
        #expect(try StartTime.parse(text, now: Self.now).timeIntervalSince(Self.now) == lead)
    }

    @Test func readsRFC3339WithZonesAndFractions() throws {
        let now = try #require(StartTime.rfc3339("2026-12-07T02:00:00Z"))
        #expect(try StartTime.parse("2026-12-07T03:00:00Z", now: now).timeIntervalSince(now) == 3600)
        #expect(try StartTime.parse("2026-12-07T03:00:00.250Z", now: now).timeIntervalSince(now) == 3600.25)
        #expect(try StartTime.parse("2026-12-07T04:00:00+01:00", now: now).timeIntervalSince(now) == 3600)
    }

    @Test(arguments: [
        ("2026-12-07T01:59:59Z", "has passed"),
        ("2026-12-07T02:00:00Z", "has passed"),
        ("2026-12-08T02:00:01Z", "more than 24h ahead"),
        ("+24h1s", "expected +DURATION"),
        ("+25h", "more than 24h ahead"),
        ("+0s", "expected +DURATION"),
        ("+soon", "expected +DURATION"),
        ("tomorrow", "not an RFC 3339 time"),
        ("2026-12-07T03:00:00", "not an RFC 3339 time"),
        ("2026-12-07", "not an RFC 3339 time"),
    ])
    func refusesTimesNotAhead(text: String, message: String) throws {
        let now = try #require(StartTime.rfc3339("2026-12-07T02:00:00Z"))
        #expect {
            try StartTime.parse(text, now: now)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
