extension LoadStages {
    /// `config.stages` in the JSON report.
    public struct Report: Sendable, Codable, Equatable {
        /// "rate" (requests/s, open loop) or "connections" (in use, closed loop).
        public var kind: Kind
        /// The value the first stage ramps from.
        public var start: Double
        public var stages: [StageReport]
    }

    /// One stage in the JSON report.
    public struct StageReport: Sendable, Codable, Equatable {
        public var durationSeconds: Double
        public var target: Double
        enum CodingKeys: String, CodingKey {
            case durationSeconds = "duration_seconds"
            case target
        }
    }

    /// The ramp as the JSON report writes it.
    public var report: Report {
        Report(kind: kind, start: start,
               stages: stages.map { StageReport(durationSeconds: $0.duration.secondsValue, target: $0.target) })
    }
}

extension LoadStages.Report {
    /// The text report's line.
    var line: String {
        let ramp = LoadStages(kind: kind, stages: stages.map {
            LoadStages.Stage(duration: .nanoseconds(Int64(($0.durationSeconds * 1e9).rounded())), target: $0.target)
        }, start: start)
        return "  stages   " + ramp.summary
    }
}

extension LoadReport {
    /// Whether the timeline carries targets (the open loop).
    var hasTargets: Bool { timeline.contains { $0.targetRPS != nil } }

    /// Open loop: the target (the schedule's requests per second) against the achieved rate
    /// (responses per second), second by second.
    var targetChart: SVGChart {
        // The target last, dashed, so it shows where the two agree.
        SVGChart(title: "Target vs achieved", yLabel: "req/s", kind: .lines, series: [
            SVGChart.Series(name: "achieved", color: "#4c6ef5",
                            points: timeline.map { (Double($0.second) + 0.5, Double($0.responses)) }),
            SVGChart.Series(name: "target", color: "#f08c00",
                            points: timeline.compactMap { point in point.targetRPS.map { (Double(point.second) + 0.5, $0) } },
                            dashed: true),
        ])
    }
}
