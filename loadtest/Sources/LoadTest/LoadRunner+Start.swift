import CLoadClient
import Foundation

extension LoadRunner {
    /// The start of sending, monotonic and wall-clock: `startAt` when given (and not yet
    /// passed), else now plus the connect lead.
    static func start(at startAt: Date?) -> (nanoseconds: UInt64, date: Date) {
        let now = lc_now_ns(), wallNow = Date()
        guard let startAt else {
            return (now + connectLead, wallNow.addingTimeInterval(Double(connectLead) / 1e9))
        }
        let lead = max(0, startAt.timeIntervalSince(wallNow))
        return (now + UInt64((lead * 1e9).rounded()), wallNow.addingTimeInterval(lead))
    }
}

extension LoadConfiguration {
    /// The timeline with each second's target (requests due by the schedule) and achieved
    /// rate (responses that finished in it), when the run is paced.
    func withTargets(_ points: [Timeline.Point]) -> [Timeline.Point] {
        guard isOpenLoop else { return points }
        return points.map { point in
            var point = point
            point.targetRPS = targetCount(second: point.second)
            point.achievedRPS = Double(point.responses)
            return point
        }
    }
}
