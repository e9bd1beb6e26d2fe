import CLoadClient

/// A ramp over the run, `--stages 30s:1000/s,1m:5000/s,30s:0/s` (request rates: the open
/// loop's arrival rate) or `--stages 30s:16,1m:64` (connections in use, closed loop).
/// Each stage moves linearly from the previous stage's target (the first from `start`)
/// to its own over its duration; a `0s` stage is a step. The run lasts the stages' sum.
public struct LoadStages: Sendable, Equatable {
    /// What the targets count.
    public enum Kind: String, Sendable, Codable {
        /// Requests per second (targets written `N/s`).
        case rate
        /// Connections in use (targets written as plain whole numbers).
        case connections
    }

    /// One `DURATION:TARGET`.
    public struct Stage: Sendable, Equatable {
        public var duration: Duration
        public var target: Double

        public init(duration: Duration, target: Double) {
            self.duration = duration
            self.target = target
        }
    }

    public var kind: Kind
    public var stages: [Stage]
    /// The value the first stage ramps from: `--rate` (default 0) or `-c`.
    public var start: Double = 0

    /// Most stages in one ramp.
    public static let maxStages = 100
    /// The longest run a ramp may describe.
    public static let maxDuration = Duration.seconds(24 * 3600)

    public init(kind: Kind, stages: [Stage], start: Double = 0) {
        self.kind = kind
        self.stages = stages
        self.start = start
    }

    /// Why a stage list was refused.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `DURATION:TARGET[,DURATION:TARGET...]`: every target `N/s` (rates) or every
    /// target a whole number (connections); a list mixing the two is refused.
    public static func parse(_ text: String) throws(Problem) -> LoadStages {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        guard !text.trimmingWhitespace().isEmpty else { throw Problem(description: "--stages: empty list") }
        guard parts.count <= maxStages else { throw Problem(description: "--stages: at most \(maxStages) stages (got \(parts.count))") }
        var kinds: Set<Kind> = []
        var stages: [Stage] = []
        for (index, part) in parts.enumerated() {
            let name = "--stages: stage \(index + 1) (\"\(part)\")"
            guard !part.isEmpty else { throw Problem(description: "--stages: stage \(index + 1) is empty") }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard pieces.count == 2 else { throw Problem(description: "\(name): expected DURATION:TARGET, e.g. 30s:1000/s or 30s:16") }
            guard let duration = DurationText.parse(pieces[0]) else { throw Problem(description: "\(name): not a duration: \(pieces[0])") }
            var number = pieces[1]
            let kind: Kind = number.hasSuffix("/s") ? .rate : .connections
            if kind == .rate { number = String(number.dropLast(2)).trimmingWhitespace() }
            guard let target = Double(number), target.isFinite else { throw Problem(description: "\(name): not a number: \(pieces[1])") }
            guard target >= 0 else { throw Problem(description: "\(name): the target must not be negative") }
            switch kind {
            case .rate:
                guard target <= 10_000_000 else { throw Problem(description: "\(name): a rate is at most 10M/s") }
            case .connections:
                guard target == target.rounded(), target <= 100_000 else {
                    throw Problem(description: "\(name): connections are a whole number within 0...100000 (rates are written N/s)")
                }
            }
            kinds.insert(kind)
            stages.append(Stage(duration: duration, target: target))
        }
        guard kinds.count == 1, let kind = kinds.first else {
            throw Problem(description: "--stages: mixes rates (N/s) and connection counts (N); use one kind")
        }
        let ramp = LoadStages(kind: kind, stages: stages)
        guard ramp.totalDuration > .zero else { throw Problem(description: "--stages: the total duration is zero") }
        guard ramp.totalDuration <= maxDuration else { throw Problem(description: "--stages: the total duration is at most 24h") }
        return ramp
    }

    /// The run's length: the stages' sum.
    public var totalDuration: Duration { stages.reduce(.zero) { $0 + $1.duration } }

    /// The largest value the ramp reaches.
    public var peak: Double { stages.reduce(start) { max($0, $1.target) } }

    /// The stages as the C loop takes them (lc_schedule.h), prepared to ramp from `start`.
    public var prepared: [lc_stage] { Self.prepare(start: start, stages.map { ($0.duration, $0.target) }) }

    static func prepare(start: Double, _ stages: [(duration: Duration, target: Double)]) -> [lc_stage] {
        var raw = stages.map { lc_stage(duration_ns: $0.duration.nanosecondsValue, target: $0.target, begin_ns: 0, from: 0,
                                        begin_count: 0, end_count: 0) }
        _ = lc_schedule_prepare_stages(start, &raw, UInt32(raw.count))
        return raw
    }

    /// The ramp's value `offset` after the start (the last target after the end).
    public func value(at offset: Duration) -> Double {
        prepared.withUnsafeBufferPointer { lc_stages_value_at($0.baseAddress, UInt32($0.count), offset.nanosecondsValue) }
    }

    /// The integral of the ramp over the first `offset` of the run: for rates, the requests
    /// due by then.
    public func count(at offset: Duration) -> Double {
        prepared.withUnsafeBufferPointer { buffer in
            var schedule = lc_schedule(rate: start, start_ns: 0, phase: 0, stride: 1, stages: buffer.baseAddress,
                                       stage_count: UInt32(buffer.count))
            return lc_schedule_count_at(&schedule, offset.nanosecondsValue)
        }
    }

    /// `0→1000/s in 30s, 1000/s→5000/s in 1m` for the text report.
    public var summary: String {
        let unit = kind == .rate ? "/s" : " connections"
        var from = start
        return stages.map { stage in
            defer { from = stage.target }
            let text = DurationText.format(nanoseconds: stage.duration.nanosecondsValue)
            return from == stage.target ? "\(stage.target.formatted(digits: 0))\(unit) for \(text)"
                : "\(from.formatted(digits: 0))→\(stage.target.formatted(digits: 0))\(unit) in \(text)"
        }.joined(separator: ", ")
    }
}
