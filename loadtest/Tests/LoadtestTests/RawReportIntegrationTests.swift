import Foundation
import Histogram
import LoadTest
import Testing

/// The built `loadtest` with `--out` against the built `orders`, and `loadtest report` on what it wrote.
@Suite(.serialized)
struct RawReportIntegrationTests {
    /// Runs the built `loadtest` with `arguments`; its exit status and what it printed.
    static func loadtest(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try start(arguments)()
    }

    /// Starts the built `loadtest`; the returned function waits for it.
    static func start(_ arguments: [String]) throws -> () -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = builtProduct("loadtest")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return {
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
    }

    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("raw-it-\(UUID().uuidString).\(suffix)").path
    }

    static func object(_ path: String, without keys: [String] = ["sources"]) throws -> NSDictionary {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        for key in keys { object[key] = nil }
        return NSDictionary(dictionary: object)
    }

    static func served(_ server: OrdersServer) throws -> Int {
        Int(try server.metrics().sum("http_request_duration_seconds_count"))
    }

    /// raw → report gives the run's own JSON, key for key; the records carry every response's bytes.
    @Test(arguments: [["--pipeline", "4"], ["--h2c"]])
    func reportFromTheRawFileEqualsTheRunsOwn(_ protocolArguments: [String]) throws {
        let server = try OrdersServer(["--fault", "missing-ok-check", "--stock-latency", "1"])
        let scenario = try temporaryFile(LoadtestIntegrationTests.scenario)
        let (raw, runJSON, rebuilt) = (Self.temporaryPath("raw"), Self.temporaryPath("json"), Self.temporaryPath("json"))
        defer { for path in [scenario, raw, runJSON, rebuilt] { try? FileManager.default.removeItem(atPath: path) } }
        let run = try Self.loadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "3000",
                                     "-c", "4", "--threads", "2", "--out", raw, "--json", runJSON] + protocolArguments)
        #expect(run.status == 0, "\(run.output)")
        let report = try Self.loadtest(["report", raw, "--json", rebuilt])
        #expect(report.status == 0, "\(report.output)")
        #expect(try Self.object(rebuilt) == Self.object(runJSON))
        #expect(report.output.contains("3000 responses"), "\(report.output)")

        let file = try RawFile(path: raw)
        #expect(file.recordCount == 3000)
        var bytes: UInt64 = 0, emptyResponses = 0
        try file.forEachRecord { record in
            bytes += UInt64(record.bytes)
            if record.error == 0 && record.bytes == 0 { emptyResponses += 1 }
        }
        #expect(emptyResponses == 0, "every response has its bytes")
        if protocolArguments.contains("--h2c") {
            #expect(bytes > 0 && bytes < file.trailer.bytesIn, "h2: the streams' frames, not the connection's")
        } else {
            #expect(bytes == file.trailer.bytesIn, "HTTP/1.1: every byte read belongs to a response")
        }
    }

    /// Two generators at once, each at half the rate: the merged report counts what the server
    /// served, and its percentiles are those of the two runs' pooled histograms.
    @Test func twoGeneratorsMergeIntoOneRun() throws {
        let server = try OrdersServer()
        let paths = (0..<6).map { Self.temporaryPath($0 < 2 ? "raw" : "json") }
        let (rawA, rawB, jsonA, jsonB, merged, mixed) = (paths[0], paths[1], paths[2], paths[3], paths[4], paths[5])
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        let before = try Self.served(server)
        // Started together, as the multi-machine recipe does: a result JSON's seconds can only
        // move by whole seconds, so it stands in for its raw file exactly when the runs
        // share their start.
        let startAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2))
        let waits = try [(rawA, jsonA), (rawB, jsonB)].map { raw, json in
            try Self.start(["http://127.0.0.1:\(server.port)/plaintext", "--rate", "250", "--duration", "2s",
                            "-c", "2", "--start-at", startAt, "--out", raw, "--json", json])
        }
        for wait in waits {
            let run = wait()
            #expect(run.status == 0, "\(run.output)")
        }
        let after = try Self.served(server)

        let report = try Self.loadtest(["report", rawA, rawB, "--json", merged])
        #expect(report.status == 0, "\(report.output)")
        #expect(report.output.contains("merged 2 runs"), "\(report.output)")
        let mergedReport = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: merged)))
        #expect(mergedReport.requests.responses == UInt64(after - before), "the server's count")
        #expect(mergedReport.config.rate == 500 && mergedReport.config.connections == 4)

        var pooled = LoadStats().latency
        for json in [jsonA, jsonB] {
            let run = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            pooled.add(try #require(run.latencyHistogram).histogram(layout: LoadStats().latency))
        }
        #expect(mergedReport.latencyMS == LatencySummary(microseconds: pooled))
        #expect(mergedReport.timeline.map(\.responses).reduce(0, +) == mergedReport.requests.responses)

        // A result JSON stands in for its raw file.
        let mix = try Self.loadtest(["report", jsonA, rawB, "--json", mixed])
        #expect(mix.status == 0, "\(mix.output)")
        #expect(try Self.object(mixed) == Self.object(merged))
    }

    /// A run with scenario checks: its report rebuilt from the raw file keeps the check
    /// counts, and two runs merged add them up per entry.
    @Test func checkCountsSurviveTheRawFileAndAddUpWhenMerged() throws {
        let server = try OrdersServer()
        let scenario = try temporaryFile(ChecksIntegrationTests.scenario)
        let paths = (0..<6).map { Self.temporaryPath($0 < 2 ? "raw" : "json") }
        let (rawA, rawB, jsonA, jsonB, rebuilt, merged) = (paths[0], paths[1], paths[2], paths[3], paths[4], paths[5])
        defer { for path in paths + [scenario] { try? FileManager.default.removeItem(atPath: path) } }
        for (raw, json) in [(rawA, jsonA), (rawB, jsonB)] {
            let run = try Self.loadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "500",
                                         "-c", "2", "--out", raw, "--json", json])
            #expect(run.status == 0, "\(run.output)")
        }
        let one = try Self.loadtest(["report", rawA, "--json", rebuilt])
        #expect(one.status == 0, "\(one.output)")
        #expect(try Self.object(rebuilt) == Self.object(jsonA))

        let both = try Self.loadtest(["report", rawA, rawB, "--json", merged])
        #expect(both.status == 0, "\(both.output)")
        let reports = try [jsonA, jsonB, merged].map {
            try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: $0)))
        }
        let (a, b, sum) = (reports[0], reports[1], reports[2])
        #expect(sum.checks?.checked == (a.checks?.checked ?? 0) + (b.checks?.checked ?? 0))
        #expect(sum.checks?.failed == (a.checks?.failed ?? 0) + (b.checks?.failed ?? 0))
        #expect((sum.checks?.failed ?? 0) > 0, "the scenario has checks that fail")
        for index in sum.byRequest.indices {
            let entries = [a, b, sum].map { $0.byRequest[index].checks }
            #expect(entries[2]?.failed == entries[0].map { $0.failed + (entries[1]?.failed ?? 0) },
                    "\(sum.byRequest[index].name)")
            #expect(entries[2]?.byCheck == entries[0]?.byCheck.merging(entries[1]?.byCheck ?? [:], uniquingKeysWith: +))
        }
    }

    @Test func badInputsExit64NamingTheFile() throws {
        let server = try OrdersServer()
        let (raw, other, text) = (Self.temporaryPath("raw"), Self.temporaryPath("raw"), Self.temporaryPath("txt"))
        defer { for path in [raw, other, text] { try? FileManager.default.removeItem(atPath: path) } }
        try Data("not a run\n".utf8).write(to: URL(fileURLWithPath: text))
        let scenario = try temporaryFile(#"{"requests": [{"name": "other", "path": "/plaintext"}]}"#)
        defer { try? FileManager.default.removeItem(atPath: scenario) }
        #expect(try Self.loadtest(["http://127.0.0.1:\(server.port)/plaintext", "--requests", "50", "--out", raw]).status == 0)
        #expect(try Self.loadtest(["http://127.0.0.1:\(server.port)", "--scenario", scenario, "--requests", "50", "--out", other]).status == 0)

        for (files, named) in [([raw, "/nonexistent/run.raw"], "/nonexistent/run.raw"), ([raw, text], text), ([raw, other], other)] {
            let run = try Self.loadtest(["report"] + files)
            #expect(run.status == 64, "\(files): \(run.output)")
            #expect(run.output.contains(named), "\(run.output)")
        }

        // An --out that cannot be written stops the run before anything is sent.
        let before = try Self.served(server)
        let refused = try Self.loadtest(["http://127.0.0.1:\(server.port)/plaintext", "--requests", "50", "--out", "/nonexistent/dir/run.raw"])
        #expect(refused.status == 64 && refused.output.contains("--out"), "\(refused.output)")
        #expect(try Self.served(server) == before)
    }
}
