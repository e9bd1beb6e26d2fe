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
    /// The timeline with each second's target and achieved rate (responses that finished
    /// in it) when the run is paced, or its mean target of connections in use under
    /// connection stages.
    func withTargets(_ points: [Timeline.Point]) -> [Timeline.Point] {
        if let stages, stages.kind == .connections, let duration {
            let end = duration.secondsValue
            return points.map { point in
                var point = point
                let from = min(Double(point.second), end), to = min(Double(point.second + 1), end)
                // The integral of the ramp over the second, over its length: the mean count.
                point.targetConnections = to > from
                    ? (stages.count(at: .nanoseconds(Int64((to * 1e9).rounded())))
                        - stages.count(at: .nanoseconds(Int64((from * 1e9).rounded())))) / (to - from)
                    : 0
                return point
            }
        }
        guard isOpenLoop else { return points }
        return points.map { point in
            var point = point
            point.targetRPS = targetCount(second: point.second)
            point.achievedRPS = Double(point.responses)
            return point
        }
    }
}
