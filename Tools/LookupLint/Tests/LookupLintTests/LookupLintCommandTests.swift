import Foundation
import LookupLint
import Testing

/// `lookup-lint PATH...`: its output and exit status, in process and as the built binary.
@Suite struct LookupLintCommandTests {
    /// A folder with one clean file, one with a finding on line 2, and a hidden folder
    /// whose file would have one.
    static func makeTree() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookup-lint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/Sub/.hidden", withIntermediateDirectories: true)
        try "let v = dict[key] ?? 1\n".write(toFile: directory + "/Clean.swift", atomically: true, encoding: .utf8)
        try "import Foundation\nlet v = dict[key] ?? 0\n".write(toFile: directory + "/Sub/Bad.swift", atomically: true, encoding: .utf8)
        try "let v = dict[key]!\n".write(toFile: directory + "/Sub/.hidden/Skipped.swift", atomically: true, encoding: .utf8)
        try "let v = dict[key]!\n".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        return directory
    }

    static func run(_ arguments: [String]) -> (status: Int32, output: [String], errors: String) {
        var output: [String] = []
        var errors = ""
        let status = LookupLintCommand.run(arguments, output: { output.append($0) }, errorOutput: { errors += $0 })
        return (status, output, errors)
    }

    @Test func findingsArePrintedAsFileLineColumnAndExitOne() throws {
        let directory = try Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = Self.run([directory])
        #expect(result.status == 1)
        #expect(result.output.count == 1)
        #expect(result.output.first?.hasPrefix("\(directory)/Sub/Bad.swift:2:9: 'dict[key] ?? 0' turns a missing value") == true)
    }

    @Test func cleanFileExitsZero() throws {
        let directory = try Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = Self.run([directory + "/Clean.swift"])
        #expect(result.status == 0)
        #expect(result.output.isEmpty)
    }

    static let badUsage: [[String]] = [[], ["--fix"], ["-v", "Sources"], ["/no/such/path"]]

    @Test(arguments: badUsage)
    func badUsageExits64(_ arguments: [String]) {
        let result = Self.run(arguments)
        #expect(result.status == 64)
        #expect(result.output.isEmpty)
        #expect(result.errors.hasPrefix("lookup-lint: "))
    }

    @Test func helpPrintsUsageAndExitsZero() {
        let result = Self.run(["--help"])
        #expect(result.status == 0)
        #expect(result.output.first?.hasPrefix("usage: lookup-lint PATH...") == true)
    }

    /// The binary that `swift test` built beside this test bundle, run as CI would run it.
    @Test func builtBinaryExitsWithTheSameStatuses() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lookup-lint")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no binary at \(binary.path)")
        let directory = try Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (arguments, expected) in [([directory], Int32(1)), ([directory + "/Clean.swift"], 0), ([], 64)] {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            _ = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == expected, "lookup-lint \(arguments)")
        }
    }
}
