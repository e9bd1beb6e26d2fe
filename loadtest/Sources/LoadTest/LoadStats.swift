import CLoadClient
import Histogram

/// What a run (or one loop of it, or one scenario entry) measured: latencies in an HDR
/// histogram (microseconds, three significant digits, up to an hour), responses by
/// status code, and errors by kind.
public struct LoadStats: Sendable {
    /// Response latencies in microseconds. Errors are not in it.
    public var latency: Histogram<UInt64>
    /// Responses per status code.
    public var statusCounts: [Int: UInt64] = [:]
    public var errors = ErrorCounts()

    /// The highest latency the histograms track; longer ones count as this.
    public static let highestTrackableMicroseconds: UInt64 = 3_600_000_000

    public init() {
        latency = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestTrackableMicroseconds,
                            numberOfSignificantValueDigits: .three)
    }

    /// Complete responses.
    public var responses: UInt64 { statusCounts.values.reduce(0, +) }

    /// Responses with a 5xx status.
    public var serverErrors: UInt64 { statusCounts.filter { $0.key >= 500 }.values.reduce(0, +) }

    /// Records one response.
    public mutating func recordResponse(status: Int, latencyNanoseconds: UInt64) {
        statusCounts[status, default: 0] += 1
        let micros = min((latencyNanoseconds + 999) / 1000, Self.highestTrackableMicroseconds)
        _ = latency.record(max(1, micros))
    }

    /// Records one sample from a C loop.
    public mutating func record(_ sample: lc_sample) {
        if let kind = ErrorKind(rawValue: sample.error) {
            errors[kind] += 1
        } else {
            recordResponse(status: Int(sample.status), latencyNanoseconds: sample.latency_ns)
        }
    }

    /// Adds another's counts and latencies to these.
    public mutating func merge(_ other: LoadStats) {
        latency.add(other.latency)
        statusCounts.merge(other.statusCounts, uniquingKeysWith: +)
        errors.merge(other.errors)
    }
}

/// The ways a request can fail without a response.
public enum ErrorKind: UInt8, Sendable, CaseIterable, Codable {
    /// A connect attempt failed (counted per attempt, not per request).
    case connect = 1
    /// No complete response within the timeout.
    case timeout = 2
    /// The connection was reset or closed with the request in flight.
    case reset = 3
    /// The response was malformed.
    case `protocol` = 4

    /// The name used in reports and JSON.
    public var name: String {
        switch self {
        case .connect: "connect"
        case .timeout: "timeout"
        case .reset: "reset"
        case .protocol: "protocol"
        }
    }
}

/// Errors by kind.
public struct ErrorCounts: Sendable, Equatable, Codable {
    public var connect: UInt64 = 0
    public var timeout: UInt64 = 0
    public var reset: UInt64 = 0
    public var `protocol`: UInt64 = 0

    public init() {}

    public subscript(kind: ErrorKind) -> UInt64 {
        get {
            switch kind {
            case .connect: connect
            case .timeout: timeout
            case .reset: reset
            case .protocol: self.protocol
            }
        }
        set {
            switch kind {
            case .connect: connect = newValue
            case .timeout: timeout = newValue
            case .reset: reset = newValue
            case .protocol: self.protocol = newValue
            }
        }
    }

    /// All kinds together.
    public var total: UInt64 { connect + timeout + reset + self.protocol }

    public mutating func merge(_ other: ErrorCounts) {
        for kind in ErrorKind.allCases { self[kind] += other[kind] }
    }
}
