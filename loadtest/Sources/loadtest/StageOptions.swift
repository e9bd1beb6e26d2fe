import ArgumentParser
import Foundation
import LoadTest

/// `--stages` (a ramp of the rate or of the connections) and `--start-at`.
struct StageOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ramp over the run: DURATION:TARGET,... Targets N/s ramp the open loop's rate (from --rate, else 0); plain numbers ramp the connections in use (closed loop, from -c). The run lasts the stages' sum.",
        valueName: "stages"))
    var stages: String?

    @Option(name: .customLong("start-at"), help: ArgumentHelp(
        "Start sending at this time (RFC 3339, e.g. 2026-12-07T03:00:00Z, or +5s); connections open before it.",
        valueName: "time"))
    var startAt: String?

    /// Applies `--stages` to `config`; `durationGiven` says whether --duration was given.
    func apply(to config: inout LoadConfiguration, durationGiven: Bool) throws {
        guard let stages else { return }
        do {
            try config.apply(stages: try LoadStages.parse(stages), durationGiven: durationGiven)
            try config.validate()
        } catch let problem as LoadStages.Problem {
            throw ValidationError(problem.description)
        } catch let problem as LoadConfiguration.Problem {
            throw ValidationError(problem.description)
        }
    }

    /// The start of sending, or nil for "after connecting".
    func start() throws -> Date? {
        guard let startAt else { return nil }
        do { return try StartTime.parse(startAt) } catch { throw ValidationError(error.description) }
    }
}

extension StageOptions {
    /// Sleeps until just before `start`: the watcher's baseline and the connects happen in
    /// the last half second, and the runner starts sending at `start` itself.
    static func wait(until start: Date, console: Console) {
        let wake = start.addingTimeInterval(-0.5)
        guard wake > Date() else { return }
        console.note("waiting until \(ISO8601DateFormatter().string(from: start)) to start")
        Thread.sleep(until: wake)
    }
}
