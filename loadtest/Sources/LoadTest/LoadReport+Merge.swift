import Foundation
import Histogram

/// One input of `loadtest report`: a raw file (`--out`) or a result JSON (`--json`).
public enum ReportInput: Sendable {
    /// A raw file, its header read.
    case raw(RawFile)
    /// A result JSON, decoded.
    case json(file: String, report: LoadReport)

    /// Reads `path`, telling the two kinds apart by their first bytes.
    public init(path: String) throws(ReportInputError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ReportInputError(file: path, "cannot open it for reading") }
        let prefix = (try? handle.read(upToCount: 8)) ?? nil
        try? handle.close()
        guard let prefix, !prefix.isEmpty else { throw ReportInputError(file: path, "empty, or not readable") }
        if RawFile.isRaw(prefix) {
            self = .raw(try RawFile(path: path))
            return
        }
        guard prefix.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{"),
              let data = FileManager.default.contents(atPath: path) else {
            throw ReportInputError(file: path, "neither a loadtest raw file (--out) nor a result JSON (--json)")
        }
        struct Schema: Decodable { var schema: String }
        guard let schema = try? JSONDecoder().decode(Schema.self, from: data).schema else {
            throw ReportInputError(file: path, "not a loadtest result JSON (no schema), or truncated")
        }
        guard schema == "loadtest/1" else {
            throw ReportInputError(file: path, "result schema \(schema); this loadtest reads loadtest/1 only")
        }
        let report: LoadReport
        do { report = try JSONDecoder().decode(LoadReport.self, from: data) } catch {
            throw ReportInputError(file: path, "not a loadtest result JSON (or truncated): \(error)")
        }
        guard report.latencyHistogram != nil, report.startedAtUnixSeconds != nil else {
            throw ReportInputError(file: path, "a result JSON without latency histograms (written by a loadtest before "
                + "`loadtest report` existed): its percentiles cannot be merged exactly")
        }
        self = .json(file: path, report: report)
    }

    /// The input as given.
    public var file: String {
        switch self {
        case .raw(let raw): raw.path
        case .json(let file, _): file
        }
    }

    var entries: [String] {
        switch self {
        case .raw(let raw): raw.metadata.entries
        case .json(_, let report): report.byRequest.map(\.name)
        }
    }

    var config: LoadReport.Config {
        switch self {
        case .raw(let raw): raw.metadata.config
        case .json(_, let report): report.config
        }
    }

    var target: LoadReport.Target {
        switch self {
        case .raw(let raw): raw.metadata.target
        case .json(_, let report): report.target
        }
    }

    var startedAtUnixSeconds: Double {
        switch self {
        case .raw(let raw): raw.metadata.startedAtUnixSeconds
        case .json(_, let report): report.startedAtUnixSeconds ?? 0
        }
    }
}

extension LoadReport {
    /// Merges the runs in `files` (raw files and result JSONs, in any mix) into one report,
    /// exactly: counts are summed, latencies pooled in the HDR histograms, and the timeline
    /// aligned by wall-clock second, from the earliest start.
    ///
    /// The inputs must be runs of one scenario (the same entry labels, in order), in the same
    /// mode (open or closed loop) and protocol; a raw file must be format version 1 and a
    /// JSON schema loadtest/1 with histograms. Threshold limits are the first input's.
    public static func merging(files: [String]) throws(ReportInputError) -> LoadReport {
        var inputs: [ReportInput] = []
        for file in files { inputs.append(try ReportInput(path: file)) }
        guard let first = inputs.first else { throw ReportInputError(file: "-", "no input files") }
        for input in inputs.dropFirst() {
            if input.entries != first.entries {
                throw ReportInputError(file: input.file, "its scenario entries \(input.entries) differ from \(first.file)'s "
                    + "\(first.entries): only runs of the same scenario can be merged")
            }
            if input.config.mode != first.config.mode || input.config.protocol != first.config.protocol {
                throw ReportInputError(file: input.file, "a \(input.config.mode)-loop \(input.config.protocol) run, but "
                    + "\(first.file) is a \(first.config.mode)-loop \(first.config.protocol) run: only runs of one mode and protocol can be merged")
            }
        }
        let origin = inputs.map(\.startedAtUnixSeconds).min() ?? 0
        var merger = Merger(entryCount: first.entries.count)
        for input in inputs { try merger.add(input, origin: origin) }
        return merger.report(inputs: inputs, origin: origin)
    }

    /// Accumulates the inputs' stats, timelines and counters.
    struct Merger {
        var total = LoadStats()
        var byEntry: [LoadStats]
        var seconds: [Int: Timeline.Point] = [:]
        var end: Double = 0
        var counters = RawTrailer()
        var dropped: UInt64 = 0
        var sources: [Source] = []
        var slowest: [SlowRequest] = []
        var server: IncidentServerView?
        var serverThresholds: ServerThresholdReport?
        var checks: [CheckStats?]?

        init(entryCount: Int) {
            byEntry = (0..<entryCount).map { _ in LoadStats() }
        }

        mutating func add(_ input: ReportInput, origin: Double) throws(ReportInputError) {
            let offset = input.startedAtUnixSeconds - origin
            let trailer: RawTrailer
            var samples: UInt64 = 0
            switch input {
            case .raw(let raw):
                // Records move onto the merged clock to the millisecond, then fall into seconds.
                let shift = UInt32(clamping: Int((offset * 1000).rounded()))
                var timeline = Timeline()
                var total = LoadStats(), byEntry = self.byEntry.map { _ in LoadStats() }
                try raw.forEachRecord { record in
                    let sample = record.sample(shiftMilliseconds: shift)
                    total.record(sample)
                    timeline.record(sample)
                    if record.entry != RawRecord.noEntry { byEntry[Int(record.entry)].record(sample) }
                }
                self.total.merge(total)
                for index in byEntry.indices { self.byEntry[index].merge(byEntry[index]) }
                // A paced run's targets come from its trailer, on the merged clock.
                let targets = raw.trailer.targetRPS, shiftSeconds = Int(offset.rounded())
                absorb(timeline.summaries.values.map { point in
                    var point = point
                    if let targets, targets.indices.contains(point.second - shiftSeconds) {
                        point.targetRPS = targets[point.second - shiftSeconds]
                        point.achievedRPS = Double(point.responses)
                    }
                    return point
                }, shiftSeconds: 0)
                trailer = raw.trailer
                dropped += raw.dropped
                samples = raw.recordCount
                sources.append(Source(file: raw.path, kind: "raw", host: raw.metadata.host, startedAt: raw.metadata.startedAt,
                                      samples: samples))
            case .json(let file, let report):
                let stats = try Self.stats(report.latencyHistogram, report.statusCounts, report.errors, file: file)
                total.merge(stats)
                samples = stats.responses + stats.errors.total
                for (index, entry) in report.byRequest.enumerated() {
                    byEntry[index].merge(try Self.stats(entry.latencyHistogram, entry.statusCounts, entry.errors, file: file))
                }
                if let missing = report.timeline.first(where: { $0.responses > 0 && $0.latencyHistogram == nil }) {
                    throw ReportInputError(file: file, "timeline second \(missing.second) has no latency histogram")
                }
                absorb(report.timeline, shiftSeconds: Int(offset.rounded()))
                var jsonTrailer = RawTrailer(elapsedSeconds: report.elapsedSeconds, sent: report.requests.sent,
                                     unsent: report.requests.unsent, connects: report.requests.connects,
                                     connectsH2: report.requests.connectsH2, tlsFailures: report.requests.tlsFailures,
                                     bytesIn: report.bytes.in, bytesOut: report.bytes.out, watch: report.watch)
                jsonTrailer.incident = report.incident
                jsonTrailer.serverThresholds = report.serverThresholds
                if report.checks != nil { jsonTrailer.checks = report.byRequest.map(\.checks) }
                trailer = jsonTrailer
                dropped += report.recordsDropped ?? 0
                sources.append(Source(file: file, kind: "json", host: report.host, startedAt: report.startedAt, samples: samples))
            }
            end = max(end, offset + trailer.elapsedSeconds)
            counters.sent += trailer.sent
            counters.unsent += trailer.unsent
            counters.connects += trailer.connects
            counters.connectsH2 += trailer.connectsH2
            counters.tlsFailures += trailer.tlsFailures
            counters.bytesIn += trailer.bytesIn
            counters.bytesOut += trailer.bytesOut
            if counters.watch == nil { counters.watch = trailer.watch }
            // The slowest of all inputs; the server's view and a stopping limit from the first that has one.
            slowest += (trailer.incident?.slowestRequests ?? []).map { request in
                var request = request
                request.intendedSendSeconds += offset
                return request
            }
            if server == nil { server = trailer.incident?.server }
            if serverThresholds == nil { serverThresholds = trailer.serverThresholds }
            // Check counts add up per entry (the inputs have the same entries).
            if let inputChecks = trailer.checks {
                var merged = checks ?? inputChecks.map { _ in nil }
                for (index, entry) in inputChecks.enumerated() where index < merged.count {
                    guard let entry else { continue }
                    if merged[index] == nil { merged[index] = CheckStats(entry) } else { merged[index]?.merge(CheckStats(entry)) }
                }
                checks = merged
            }
        }

        /// Adds `points` (moved `shiftSeconds` later) to the merged seconds.
        mutating func absorb(_ points: some Sequence<Timeline.Point>, shiftSeconds: Int) {
            for var point in points {
                point.second += shiftSeconds
                guard point.second >= 0 else { continue }
                seconds[point.second] = seconds[point.second].map { $0.absorbing(point) } ?? point
            }
        }

        /// Stats from a JSON's counts and histogram.
        static func stats(_ encoding: HistogramEncoding?, _ statusCounts: [String: UInt64], _ errors: ErrorCounts,
                          file: String) throws(ReportInputError) -> LoadStats {
            var stats = LoadStats()
            guard let encoding else { throw ReportInputError(file: file, "a latency without its histogram") }
            do { stats.latency = try encoding.histogram(layout: stats.latency) } catch {
                throw ReportInputError(file: file, error.description)
            }
            for (code, count) in statusCounts {
                guard let status = Int(code) else { throw ReportInputError(file: file, "status code \"\(code)\" is not a number") }
                stats.statusCounts[status, default: 0] += count
            }
            stats.errors = errors
            guard stats.latency.totalCount == stats.responses else {
                throw ReportInputError(file: file, "its latency histogram counts \(stats.latency.totalCount) responses, "
                    + "its status counts \(stats.responses)")
            }
            return stats
        }

        func report(inputs: [ReportInput], origin: Double) -> LoadReport {
            let configs = inputs.map(\.config)
            var config = configs[0]
            config.connections = configs.map(\.connections).reduce(0, +)
            config.threads = configs.map(\.threads).reduce(0, +)
            config.rate = configs.allSatisfy { $0.rate != nil } ? configs.compactMap(\.rate).reduce(0, +) : nil
            config.requests = configs.allSatisfy { $0.requests != nil } ? configs.compactMap(\.requests).reduce(0, +) : nil
            config.durationSeconds = configs.compactMap(\.durationSeconds).max()
            config.timeoutSeconds = configs.map(\.timeoutSeconds).max() ?? config.timeoutSeconds
            var target = inputs[0].target
            var urls: [String] = []
            for input in inputs where !urls.contains(input.target.url) { urls.append(input.target.url) }
            target.url = urls.joined(separator: ", ")
            let thresholds: Thresholds = switch inputs[0] {
            case .raw(let raw): raw.metadata.thresholds
            case .json(_, let report): report.thresholds.limits
            }
            let labels = inputs[0].entries
            var result = LoadResult(startedAt: Date(timeIntervalSince1970: origin), elapsedSeconds: end, stats: total,
                                    byEntry: byEntry, timeline: Timeline.points(seconds), entryLabels: labels,
                                    sent: counters.sent, unsent: counters.unsent, connects: counters.connects,
                                    connectsHTTP2: counters.connectsH2, tlsFailures: counters.tlsFailures,
                                    bytesIn: counters.bytesIn, bytesOut: counters.bytesOut)
            result.slowest = Array(slowest.sorted { $0.latencyMS > $1.latencyMS }.prefix(SlowestRequests.reportedCount))
            result.checks = checks
            var report = LoadReport(result: result, target: target, config: config, thresholds: thresholds, watch: counters.watch)
            report.incident?.server = server
            report.serverThresholds = serverThresholds
            report.startedAtUnixSeconds = origin
            let hosts = Set(sources.map(\.host))
            report.host = hosts.count == 1 ? hosts.first ?? nil : nil
            report.sources = sources
            report.recordsDropped = dropped > 0 ? dropped : nil
            return report
        }
    }
}
