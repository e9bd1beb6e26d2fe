// The HTTP/2 session's closed-stream bits and frame scanner (es_h2_closed_streams.c) are
// internal to the C target, so their check is a small C program: built here with clang and
// AddressSanitizer, run once. The behaviour they serve (STREAM_CLOSED for frames on a
// stream the client ended) is checked end to end by scripts/h2-conformance.py, §5.1.

import Foundation
import Testing

struct ClosedStreamsTests {
    @Test func scannerAndBitsMatchAModel() throws {
        let clang = try #require(FuzzRegressionTests.clang(), "no clang: set CLANG to the toolchain's clang")
        let root = FuzzRegressionTests.root
        let shim = root.appendingPathComponent("Sources/CEventShim").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("h2-closed-streams-check-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let build = try FuzzRegressionTests.run(clang, [
            "-g", "-O1", "-D_GNU_SOURCE", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-I", "\(shim)/include", "-I", shim, "-o", output.path,
            root.appendingPathComponent("Tests/CHarnesses/h2_closed_streams_check.c").path,
            "\(shim)/es_h2_closed_streams.c",
        ])
        try #require(build.status == 0, "building the check failed:\n\(build.output.suffix(3000))")
        let result = try FuzzRegressionTests.run(output.path, [])
        #expect(result.status == 0, "\(result.output.suffix(3000))")
        #expect(result.output.contains("closed-stream checks passed"))
    }
}
