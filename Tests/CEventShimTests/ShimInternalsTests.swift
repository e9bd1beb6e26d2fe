// Parts of the C target that are internal to it (no header in include/) are checked by
// small C programs under Tests/CHarnesses: each is built here with clang, AddressSanitizer
// and UndefinedBehaviorSanitizer, together with the shim files it checks, and run once. A
// program exits non-zero with a message on the first mismatch with its model.

import Foundation
import Testing

struct ShimInternalsTests {
    struct Check: Sendable, CustomTestStringConvertible {
        /// The program under Tests/CHarnesses.
        let harness: String
        /// The shim files it is built with, as `layer/file.c` under Sources/CEventShim.
        let shimSources: [String]
        /// What it prints when every check passed.
        let passed: String
        var testDescription: String { harness }
    }

    static let checks = [
        // The HTTP/2 session's stream table, against a plain array.
        Check(harness: "h2_stream_table_check.c", shimSources: ["http2/es_h2_stream_table.c"], passed: "checks passed"),
        // The closed-stream bits and the frame scanner, against a model. The behaviour they
        // serve (STREAM_CLOSED on a stream the client ended) is checked end to end by
        // scripts/h2-conformance.py, §5.1.
        Check(harness: "h2_closed_streams_check.c", shimSources: ["http2/es_h2_closed_streams.c"],
              passed: "closed-stream checks passed"),
    ]

    @Test(arguments: checks)
    func matchesItsModel(_ check: Check) throws {
        let clang = try #require(FuzzRegressionTests.clang(), "no clang: set CLANG to the toolchain's clang")
        let root = FuzzRegressionTests.root
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(check.harness.replacingOccurrences(of: ".c", with: ""))-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let build = try FuzzRegressionTests.run(clang, [
            "-g", "-O1", "-D_GNU_SOURCE", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-o", output.path, root.appendingPathComponent("Tests/CHarnesses/\(check.harness)").path,
        ] + FuzzRegressionTests.shimIncludeFlags + check.shimSources.map { "\(FuzzRegressionTests.shimDirectory)/\($0)" })
        try #require(build.status == 0, "building \(check.harness) failed:\n\(build.output.suffix(3000))")
        let result = try FuzzRegressionTests.run(output.path, [])
        #expect(result.status == 0, "\(result.output.suffix(3000))")
        #expect(result.output.contains(check.passed))
    }
}
