import ArgumentParser
import LoadTest

/// `--out FILE`: the run's raw results, one 32-byte record per finished request, for
/// `loadtest report` (format in loadtest/README.md).
struct RawOutputOptions: ParsableArguments {
    @Option(help: "Write every finished request as a 32-byte record to this raw file; `loadtest report` rebuilds and merges reports from such files.")
    var out: String?

    /// Creates the file before anything is sent (a path that cannot be written is a usage error).
    func makeWriter(configuration: LoadConfiguration, url: String, thresholds: Thresholds) throws -> RawWriter? {
        guard let out else { return nil }
        let metadata = RawMetadata(host: LoadReport.hostName, target: LoadReport.Target(url: url, of: configuration),
                                   config: LoadReport.Config(configuration), entries: configuration.scenario.requests.map(\.label),
                                   thresholds: thresholds)
        do { return try RawWriter(path: out, metadata: metadata) } catch { throw ValidationError("--out: \(error)") }
    }

    /// Ends the file with the run's counters; a failure or dropped records are reported on stderr.
    func finish(_ writer: RawWriter?, result: LoadResult, report: LoadReport, console: Console) {
        guard let writer else { return }
        do {
            var trailer = RawTrailer(result, watch: report.watch, incident: report.incident,
                                     serverThresholds: report.serverThresholds)
            if report.checks != nil { trailer.checks = report.byRequest.map(\.checks) }
            let dropped = try writer.finish(trailer: trailer)
            if dropped > 0 {
                console.note("--out: \(dropped) records dropped (the disk fell behind); `loadtest report` counts only the rest")
            }
        } catch {
            console.note("--out: \(error)")
        }
    }
}
