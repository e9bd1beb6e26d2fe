/// What the watcher saw, for the report.
public struct WatchReport: Sendable, Codable {
    public var admin: String
    public var settleSeconds: Double
    /// Watcher time (seconds since its baseline sample) at which the load was started;
    /// sending begins about 0.1 s later. Rows' `time` minus this is the load's clock.
    public var loadStartSeconds: Double?
    public var rows: [WatchRow]
    public var verdict: LeakVerdict

    enum CodingKeys: String, CodingKey {
        case admin
        case settleSeconds = "settle_seconds"
        case loadStartSeconds = "load_start_seconds"
        case rows, verdict
    }
}
