/// The live numbers of the last interval.
public struct ProgressSnapshot: Sendable {
    public var elapsedSeconds: Double
    public var intervalSeconds: Double
    public var responses: UInt64 = 0
    public var serverErrors: UInt64 = 0
    public var errors: UInt64 = 0
    public var p99Milliseconds: Double = 0

    /// Responses per second in the interval.
    public var requestsPerSecond: Double { intervalSeconds > 0 ? Double(responses) / intervalSeconds : 0 }

    /// One line: elapsed, req/s, p99, 5xx and errors of the last interval.
    public var line: String {
        "\(elapsedSeconds.formatted(digits: 0))s  \(requestsPerSecond.formatted(digits: 0)) req/s  "
            + "p99 \(p99Milliseconds.formatted(digits: 2))ms  5xx \(serverErrors)  errors \(errors)"
    }
}
