// The HTTP/2 session's stream table (es_h2_stream_table.c) is internal to the C target, so
// its check is a small C program: built here with clang and AddressSanitizer, run once.

import Foundation
import Testing

struct StreamTableTests {
    @Test func streamTableMatchesAPlainArray() throws {
        let clang = try #require(FuzzRegressionTests.clang(), "no clang: set CLANG to the toolchain's clang")
        let root = FuzzRegressionTests.root
        let shim = root.appendingPathComponent("Sources/CEventShim").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("h2-stream-table-check-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let build = try FuzzRegressionTests.run(clang, [
            "-g", "-O1", "-D_GNU_SOURCE", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-I", "\(shim)/include", "-I", shim, "-o", output.path,
            root.appendingPathComponent("Tests/CHarnesses/h2_stream_table_check.c").path,
            "\(shim)/es_h2_stream_table.c",
        ])
        try #require(build.status == 0, "building the check failed:\n\(build.output.suffix(3000))")
        let result = try FuzzRegressionTests.run(output.path, [])
        #expect(result.status == 0, "\(result.output.suffix(3000))")
        #expect(result.output.contains("checks passed"))
    }
}
