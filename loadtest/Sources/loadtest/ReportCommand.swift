import ArgumentParser
import Foundation
import LoadTest

/// `loadtest report FILE...`: the text, JSON and HTML reports of one or more runs, rebuilt
/// from their raw files (`--out`) and result JSONs (`--json`) and merged exactly.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild the reports of runs from their raw files (--out) and result JSONs (--json), merged into one.",
        discussion: """
            Counts are summed, latency percentiles are those of the pooled HDR histograms, and the \
            timeline is aligned by wall-clock second from the earliest start. The inputs must be runs \
            of one scenario (the same entries), mode and protocol. Exit status: 0, 1 when the merged \
            run crosses the first input's thresholds, 64 when an input cannot be used (the message \
            names it).
            """
    )

    @Argument(help: "Raw files and result JSONs, in any mix.")
    var files: [String]

    @Option(help: "Write the merged result as JSON to this file.")
    var json: String?

    @Option(help: "Write the merged result as a self-contained HTML page to this file.")
    var html: String?

    func run() throws {
        let report: LoadReport
        do { report = try LoadReport.merging(files: files) } catch {
            // The file is named in the message; the usage text would add nothing.
            FileHandle.standardError.write(Data("loadtest report: \(error.description)\n".utf8))
            throw ExitCode(64)
        }
        if let sources = report.sources, sources.count > 1 {
            print("merged \(sources.count) runs:")
            for source in sources {
                print("  \(source.file) (\(source.kind)\(source.host.map { ", \($0)" } ?? ""), started \(source.startedAt)): "
                    + "\(source.samples) requests")
            }
        }
        print(report.text)
        if let verdict = report.watch?.verdict { print("  watch    \(verdict.summary)") }
        if let dropped = report.recordsDropped {
            FileHandle.standardError.write(Data("note: \(dropped) records were dropped while writing the raw files; the counts lack them\n".utf8))
        }
        if let json {
            do { try report.json().write(to: URL(fileURLWithPath: json)) } catch {
                throw ValidationError("--json: cannot write \(json): \(error)")
            }
        }
        if let html {
            do { try Data(report.html.utf8).write(to: URL(fileURLWithPath: html)) } catch {
                throw ValidationError("--html: cannot write \(html): \(error)")
            }
        }
        if !report.thresholds.passed { throw ExitCode(1) }
    }
}
