// Crashes the fuzzers found, replayed: each harness under fuzz/ is built with clang and
// AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer, and run once over its
// regression inputs (fuzz/regressions/<harness>/) and its seed corpus. A use after free,
// a leak, a failed check in the harness (responses out of order, an exchange answered
// twice, a connection event out of sequence) or any crash fails the test with the report.

import Foundation
import Testing

@Suite(.serialized)
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The clang that ships with the Swift toolchain (it has the libFuzzer and sanitizer
    /// runtimes), or CLANG from the environment.
    static func clang() -> String? {
        var candidates: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["CLANG"] { candidates.append(fromEnvironment) }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/clang")
        }
        candidates += ["/opt/swift/usr/bin/clang", "/usr/bin/clang"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Run {
        var status: Int32
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// The C shim's folders: its public headers, then its layers (see scripts/check-c-layers.py).
    static let shimLayers = ["core", "http1", "http2", "server"]
    static var shimDirectory: String { root.appendingPathComponent("Sources/CEventShim").path }

    /// `-I` for the public headers and for each layer, as Package.swift gives the target.
    static var shimIncludeFlags: [String] {
        (["include"] + shimLayers).flatMap { ["-I", "\(shimDirectory)/\($0)"] }
    }

    /// The absolute paths of the shim's `.c` files whose `layer/file.c` name passes `include`.
    static func shimSources(_ include: (String) -> Bool) -> [String] {
        shimLayers.flatMap { layer -> [String] in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(shimDirectory)/\(layer)")) ?? []
            return names.filter { $0.hasSuffix(".c") }.map { "\(layer)/\($0)" }
        }.filter(include).sorted().map { "\(shimDirectory)/\($0)" }
    }

    enum Harness: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case http1Parser = "http1_parser", connH1 = "conn_h1", connH2 = "conn_h2"
        var testDescription: String { rawValue }

        var sources: [String] {
            switch self {
            case .http1Parser:
                // The parser's files: es_http1_parser.c and its helpers, the chunked decoder,
                // and the method table they share with HTTP/2.
                return ["fuzz/http1_parser_fuzz.c"]
                    + FuzzRegressionTests.shimSources { $0.hasPrefix("http1/es_http1_") || $0 == "core/es_method.c" }
            case .connH1, .connH2:
                return ["fuzz/conn_fuzz.c"] + FuzzRegressionTests.shimSources { _ in true }
                    + ["-DFUZZ_H2=\(self == .connH2 ? 1 : 0)", "-lnghttp2", "-lssl", "-lcrypto"]
            }
        }

        /// Inputs to replay: every regression input, then the seeds.
        var inputs: [String] {
            ["fuzz/regressions/\(rawValue)", "fuzz/corpus/\(rawValue)"].flatMap { directory -> [String] in
                let path = FuzzRegressionTests.root.appendingPathComponent(directory).path
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                return names.sorted().map { "\(path)/\($0)" }
            }
        }
    }

    @Test(arguments: Harness.allCases)
    func replaysCrashInputsCleanly(_ harness: Harness) throws {
        let clang = try #require(Self.clang(), "no clang: set CLANG to the toolchain's clang")
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuzz-regression-\(harness.rawValue)-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let build = try Self.run(clang, [
            "-g", "-O1", "-fno-omit-frame-pointer", "-fno-strict-aliasing", "-D_GNU_SOURCE",
            "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined", "-w", "-o", output.path,
        ] + Self.shimIncludeFlags + harness.sources)
        try #require(build.status == 0, "building the \(harness.rawValue) harness failed:\n\(build.output.suffix(3000))")
        let inputs = harness.inputs
        #expect(inputs.count >= 5, "the seed corpus and regression inputs are there")
        let replay = try Self.run(output.path, ["-runs=1"] + inputs, environment: ["ASAN_OPTIONS": "detect_leaks=1"])
        #expect(replay.status == 0, "replaying \(inputs.count) inputs failed:\n\(replay.output.suffix(6000))")
        #expect(replay.output.contains("Executed"), "libFuzzer ran the inputs")
    }
}
