// The C shim's layering rule, checked on the real objects: core/ calls only core/, http1/
// calls core/ and http1/, http2/ calls core/ and http2/ (scripts/check-c-layers.py, which
// compiles each file and matches every object's undefined symbols to their definitions).

import Foundation
import Testing

struct LayeringTests {
    @Test func callsGoDownNeverAcrossOrUp() throws {
        let clang = try #require(FuzzRegressionTests.clang(), "no clang: set CLANG to the toolchain's clang")
        let script = FuzzRegressionTests.root.appendingPathComponent("scripts/check-c-layers.py").path
        let result = try FuzzRegressionTests.run("/usr/bin/env", ["python3", script], environment: ["CLANG": clang])
        #expect(result.status == 0, "\(result.output.suffix(4000))")
        // The script read real objects: well over a hundred calls cross files today.
        let summary = try #require(result.output.split(separator: "\n").last { $0.contains("calls between files") })
        // "layering: 147 calls between files, ..."
        #expect((Int(summary.split(separator: " ")[1]) ?? 0) > 100, "\(summary)")
    }
}
