import CLoadClient
import Foundation
import Histogram
@testable import LoadTest
import Testing

/// Raw files (`--out`) and `loadtest report`: records written and read back, runs merged
/// exactly, and the inputs that cannot be merged.
struct RawReportTests {
    static let entries = ["map GET", "map POST", "user"]

    /// A repeatable mix of responses (three entries, several statuses, latencies from 50 µs to
    /// 2 s) and errors, finishing over about six seconds.
    static func samples(_ count: Int, seed: UInt64 = 7) -> [lc_sample] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        return (0..<count).map { index in
            var sample = lc_sample()
            sample.request_index = UInt32(next() % 3)
            sample.done_ms = UInt32(index * 6000 / count)
            sample.origin_ns = UInt64(sample.done_ms) * 1_000_000
            switch next() % 50 {
            case 0: sample.error = ErrorKind.timeout.rawValue
            case 1: sample.error = ErrorKind.connect.rawValue; sample.request_index = LC_NO_REQUEST
            default:
                sample.status = [200, 200, 200, 404, 500][Int(next() % 5)]
                sample.latency_ns = 50_000 + next() % (next() % 10 == 0 ? 2_000_000_000 : 5_000_000)
                sample.bytes_in = UInt32(100 + next() % 900)
            }
            return sample
        }
    }

    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString).\(suffix)").path
    }

    static func metadata(entries: [String] = entries) -> RawMetadata {
        RawMetadata(host: "gen", target: LoadReport.Target(url: "http://127.0.0.1:1/", host: "127.0.0.1", port: 1),
                    config: LoadReport.Config(mode: "open", connections: 4, threads: 1, pipeline: 1, protocol: "http/1.1",
                                              durationSeconds: 6, rate: 1000, timeoutSeconds: 5),
                    entries: entries, thresholds: Thresholds())
    }

    /// Writes `samples` as a raw file that started at `start`; entry i is request i.
    @discardableResult
    static func writeRaw(_ samples: [lc_sample], start: Date, path: String = temporaryPath("raw"),
                         entries: [String] = entries, sent: UInt64? = nil) throws -> String {
        let writer = try RawWriter(path: path, metadata: metadata(entries: entries))
        writer.start(startedAt: start)
        // In batches, as the loops hand them over.
        var index = 0
        while index < samples.count {
            let batch = Array(samples[index..<min(index + 1000, samples.count)])
            batch.withUnsafeBufferPointer { writer.append($0, entryOfRequest: Array(0..<entries.count)) }
            index += batch.count
        }
        let trailer = RawTrailer(elapsedSeconds: 6, sent: sent ?? UInt64(samples.count), connects: 4, bytesIn: 1000, bytesOut: 500)
        try writer.finish(trailer: trailer)
        return path
    }

    static func json(_ report: LoadReport) throws -> [String: Any] {
        var object = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        object["sources"] = nil
        return object
    }

    @Test func histogramEncodingGivesTheSameHistogramBack() throws {
        var histogram = LoadStats().latency
        for sample in Self.samples(5000) where sample.error == 0 { _ = histogram.record(sample.latency_ns / 1000) }
        let encoding = HistogramEncoding(histogram)
        let decoded = try JSONDecoder().decode(HistogramEncoding.self, from: JSONEncoder().encode(encoding))
        let back = try decoded.histogram(layout: LoadStats().latency)
        #expect(back == histogram)
        #expect(back.min == histogram.min && back.maxRecorded == histogram.maxRecorded)
        #expect(encoding.counts.count <= Int(histogram.totalCount) && encoding.counts.count < 23_552 / 4,
                "only the non-zero counters, not all 23 552")
    }

    @Test(arguments: [
        ("a count below one", #"{"lowest_discernible_value":1,"highest_trackable_value":3600000000,"significant_digits":3,"total_count":1,"min":5,"max":5,"counts":[[5,0]]}"#),
        ("a total that disagrees", #"{"lowest_discernible_value":1,"highest_trackable_value":3600000000,"significant_digits":3,"total_count":3,"min":5,"max":5,"counts":[[5,2]]}"#),
        ("another layout", #"{"lowest_discernible_value":1,"highest_trackable_value":1000,"significant_digits":2,"total_count":1,"min":5,"max":5,"counts":[[5,1]]}"#),
        ("a value out of range", #"{"lowest_discernible_value":1,"highest_trackable_value":3600000000,"significant_digits":3,"total_count":1,"min":5,"max":5,"counts":[[99999999999,1]]}"#),
    ])
    func badHistogramEncodingsAreRefused(_ what: String, _ json: String) throws {
        let encoding = try JSONDecoder().decode(HistogramEncoding.self, from: Data(json.utf8))
        #expect(throws: HistogramEncoding.Problem.self, "\(what)") { try encoding.histogram(layout: LoadStats().latency) }
    }

    @Test func recordsRoundTripThroughTheFile() throws {
        let samples = Self.samples(3000)
        let start = Date(timeIntervalSince1970: 1_800_000_000.25)
        let path = try Self.writeRaw(samples, start: start)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try RawFile(path: path)
        #expect(file.recordCount == 3000 && file.dropped == 0)
        #expect(file.metadata.entries == Self.entries && file.metadata.host == "gen")
        #expect(file.metadata.startedAtUnixSeconds == start.timeIntervalSince1970)
        var records: [RawRecord] = []
        try file.forEachRecord { records.append($0) }
        #expect(records == samples.map { RawRecord($0, entry: $0.request_index == LC_NO_REQUEST ? nil : Int($0.request_index)) })
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size < RawFormat.headerSize + 2048 + 3000 * RawRecord.size, "32 bytes a record, a small header and trailer")
    }

    /// One run's records split over two files merge into the report of the whole: counts,
    /// every percentile, the entries and the timeline.
    @Test func twoHalvesMergeIntoTheWhole() throws {
        let samples = Self.samples(20_000)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let whole = try Self.writeRaw(samples, start: start, sent: 20_000)
        let odd = try Self.writeRaw(samples.enumerated().filter { $0.offset % 2 == 1 }.map(\.element), start: start, sent: 10_000)
        let even = try Self.writeRaw(samples.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), start: start, sent: 10_000)
        defer { for path in [whole, odd, even] { try? FileManager.default.removeItem(atPath: path) } }

        let merged = try LoadReport.merging(files: [odd, even])
        let single = try LoadReport.merging(files: [whole])
        #expect(merged.requests.responses == single.requests.responses)
        #expect(merged.requests.sent == 20_000)
        #expect(merged.statusCounts == single.statusCounts && merged.errors == single.errors)
        #expect(merged.latencyMS == single.latencyMS)
        #expect(merged.latencyHistogram == single.latencyHistogram)
        #expect(merged.byRequest.map(\.latencyMS) == single.byRequest.map(\.latencyMS))
        #expect(merged.byRequest.map(\.statusCounts) == single.byRequest.map(\.statusCounts))
        #expect(merged.timeline == single.timeline)
        #expect(merged.config.connections == 8 && merged.config.rate == 2000, "two generators' connections and rates add up")
        #expect(merged.sources?.map(\.samples) == [10_000, 10_000])
        #expect(merged.html.contains("Merged from 2 runs"))

        // The pooled percentiles are those of the latencies themselves, within the histogram's precision.
        let latencies = samples.filter { $0.error == 0 }.map { Double(($0.latency_ns + 999) / 1000) }.sorted()
        for (percentile, reported) in [(50.0, merged.latencyMS.p50), (99.0, merged.latencyMS.p99), (99.9, merged.latencyMS.p999)] {
            let exact = latencies[Int((percentile / 100 * Double(latencies.count)).rounded(.up)) - 1] / 1000
            #expect(abs(reported - exact) <= exact * 0.001 + 0.001, "p\(percentile): \(reported) against \(exact)")
        }
        #expect(merged.latencyMS.count == UInt64(latencies.count))
    }

    /// A result JSON merges like the raw file it was made from.
    @Test func aResultJSONMergesLikeItsRawFile() throws {
        let samples = Self.samples(8000)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try Self.writeRaw(Array(samples.prefix(5000)), start: start)
        let second = try Self.writeRaw(Array(samples.dropFirst(5000)), start: start)
        let firstJSON = Self.temporaryPath("json")
        defer { for path in [first, second, firstJSON] { try? FileManager.default.removeItem(atPath: path) } }
        try LoadReport.merging(files: [first]).json().write(to: URL(fileURLWithPath: firstJSON))

        let fromRaw = try LoadReport.merging(files: [first, second])
        let fromMix = try LoadReport.merging(files: [firstJSON, second])
        #expect(NSDictionary(dictionary: try Self.json(fromMix)) == NSDictionary(dictionary: try Self.json(fromRaw)))
        #expect(fromMix.sources?.map(\.kind) == ["json", "raw"])
    }

    /// Generators that started at different times share the wall clock's seconds.
    @Test func timelinesAlignByWallClock() throws {
        var early = lc_sample(), late = lc_sample()
        early.status = 200; early.latency_ns = 1_000_000; early.done_ms = 2500 // 12:00:02.5 on the merged clock
        late.status = 200; late.latency_ns = 1_000_000; late.done_ms = 500     // 12:00:02.5 as well
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let a = try Self.writeRaw([early], start: start)
        let b = try Self.writeRaw([late], start: start.addingTimeInterval(2))
        defer { for path in [a, b] { try? FileManager.default.removeItem(atPath: path) } }
        for files in [[a, b], [b, a]] {
            let report = try LoadReport.merging(files: files)
            #expect(report.timeline.map(\.responses) == [0, 0, 2], "\(files)")
            #expect(report.startedAtUnixSeconds == start.timeIntervalSince1970)
            #expect(abs(report.elapsedSeconds - 8) < 1e-9, "from the first start to the last end")
        }
    }

    /// Inputs that cannot be merged: each names its file and says why.
    @Test func badInputsNameTheFile() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let good = try Self.writeRaw(Self.samples(100), start: start)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        func file(_ data: Data) throws -> String {
            let path = Self.temporaryPath("bad")
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        var version2 = bytes
        version2[8] = 2
        var withoutHistograms = try LoadReport.merging(files: [good])
        withoutHistograms.latencyHistogram = nil
        var unfinished = bytes
        unfinished.replaceSubrange(16..<24, with: [UInt8](repeating: 0xFF, count: 8))
        let cases: [(String, String, String)] = [
            ("missing", "/nonexistent/run.raw", "cannot open"),
            ("text", try file(Data("hello\n".utf8)), "neither a loadtest raw file"),
            ("truncated records", try file(bytes.prefix(bytes.count - 100)), "truncated"),
            ("truncated header", try file(bytes.prefix(20)), "truncated"),
            ("version 2", try file(version2), "raw format version 2"),
            ("unfinished", try file(unfinished), "incomplete"),
            ("another scenario", try Self.writeRaw(Self.samples(10), start: start, entries: ["other"]), "differ from"),
            ("JSON without histograms", try file(withoutHistograms.json()), "without latency histograms"),
            ("truncated JSON", try file(try withoutHistograms.json().prefix(300)), "not a loadtest result JSON"),
            ("another schema", try file(Data(#"{"schema":"loadtest/2"}"#.utf8)), "result schema loadtest/2"),
        ]
        for (what, path, message) in cases {
            do {
                _ = try LoadReport.merging(files: [good, path])
                Issue.record("\(what): merged")
            } catch {
                #expect(error.file == path, "\(what)")
                #expect(error.message.contains(message), "\(what): \(error)")
            }
        }
    }
}
