/// What the watcher saw, for the report.
public struct WatchReport: Sendable, Codable {
    public var admin: String
    public var settleSeconds: Double
    public var rows: [WatchRow]
    public var verdict: LeakVerdict

    enum CodingKeys: String, CodingKey {
        case admin
        case settleSeconds = "settle_seconds"
        case rows, verdict
    }
}
