import Foundation
import Testing

/// loadtest/reproduce-leak.sh end to end, with the built binaries and a short load.
@Suite(.serialized)
struct ReproduceLeakScriptIntegrationTests {
    /// The repository root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func reproducesTheLeakAndTheFlatRunAndStopsTheServer() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("reproduce-leak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.root.appendingPathComponent("loadtest/reproduce-leak.sh").path]
        var environment = ProcessInfo.processInfo.environment
        environment["BIN"] = builtProduct("loadtest").deletingLastPathComponent().path
        environment["DURATION"] = "3s"
        environment["SETTLE"] = "2s"
        environment["CONNECTIONS"] = "4"
        environment["KEEP"] = "1"
        environment["OUT"] = out.path
        process.environment = environment
        process.currentDirectoryURL = Self.root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("REPRODUCED"))
        // Step 2's verdict names the site; step 3 shows the group; step 4's run is flat.
        #expect(output.contains("(tasks alive after their request ended) at OrderService/OrderService+ValidationChildren.swift"))
        #expect(output.contains("all from route /api/v1/order/map; from scenario entries: map GET ("))
        #expect(output.contains("curl -s 'http://127.0.0.1:"))
        #expect(output.contains("@ OrderService/OrderService+ValidationChildren.swift"), "the task profile was printed")
        #expect(output.contains("\"name\":\"missing-ok-check\",\"enabled\":false"), "the fault was turned off")
        #expect(output.contains("no leak: live tasks"))
        // Both runs left their reports; the server is gone.
        for name in ["with-fault.json", "with-fault.html", "without-fault.json", "without-fault.html"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let pidLine = try #require(output.split(separator: "\n").first { $0.hasPrefix("orders pid ") })
        let pid = try #require(Int32(pidLine.split(separator: " ")[2].dropLast()))
        #expect(kill(pid, 0) != 0, "orders \(pid) still runs")
    }
}
