import Foundation
import LoadTest
import Synchronization

/// Finds a product built next to the test bundle (`swift build --build-tests` builds both).
func builtProduct(_ name: String) -> URL {
    var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    while directory.path != "/" {
        let candidate = directory.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
           FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        directory = directory.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/\(name)")
}

/// `orders serve` on ephemeral loopback ports, for one test or (as a static) one suite.
/// The server reads a pipe from this process and exits when it closes
/// (`--exit-when-stdin-closes`), so none outlives the test process, statics included.
final class OrdersServer: Sendable {
    let process: Process
    let stdin: Pipe
    let port: Int
    let adminPort: Int
    /// The TLS listener's port, when started with `CertificateFixture.serverArguments()`.
    let tlsPort: Int?
    /// Everything the server wrote to stdout and stderr so far (its logs).
    let output: Output

    final class Output: Sendable {
        let text = Mutex("")
    }

    struct DidNotStart: Error, CustomStringConvertible {
        var description: String
    }

    init(_ arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = builtProduct("orders")
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--threads", "1",
                             "--exit-when-stdin-closes"] + arguments
        let stdin = Pipe()
        process.standardInput = stdin
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var ports: (Int, Int)?
        while ports == nil {
            let text = output.text.withLock { $0 }
            if let publicPort = Self.port(in: text, listener: "public"), let admin = Self.port(in: text, listener: "admin") {
                ports = (publicPort, admin)
            } else if !process.isRunning || Date() > deadline {
                let state = process.isRunning ? "still running" : "exited \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "signal" : "exit"))"
                process.terminate()
                throw DidNotStart(description: "orders did not start (\(state)); it said:\n\(text)")
            } else {
                usleep(20_000)
            }
        }
        self.process = process
        self.stdin = stdin
        (port, adminPort) = ports!
        tlsPort = Self.port(in: output.text.withLock { $0 }, listener: "public", field: "tls_port")
        self.output = output
    }

    static func port(in log: String, listener: String, field: String = "port") -> Int? {
        for line in log.split(separator: "\n") where line.contains("listening") && line.contains("listener=\(listener) ") {
            if let range = line.range(of: #"(^| )"# + field + #"=(\d+)"#, options: .regularExpression) {
                return Int(line[range].split(separator: "=").last ?? "")
            }
        }
        return nil
    }

    /// The admin port's /metrics, parsed.
    func metrics() throws -> PrometheusText {
        let client = try AdminClient(base: "http://127.0.0.1:\(adminPort)")
        return PrometheusText(try client.get("/metrics").text)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// What one `loadtest` run printed and wrote.
struct LoadtestRun {
    var status: Int32
    var output: String
    var report: [String: Any]
}

/// Runs the built `loadtest` with `arguments` plus `--json FILE`, and reads the file.
func runLoadtest(_ arguments: [String]) throws -> LoadtestRun {
    let json = FileManager.default.temporaryDirectory.appendingPathComponent("loadtest-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: json) }
    let process = Process()
    process.executableURL = builtProduct("loadtest")
    process.arguments = arguments + ["--json", json.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let data = (try? Data(contentsOf: json)) ?? Data("{}".utf8)
    let report = (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    return LoadtestRun(status: process.terminationStatus, output: output, report: report)
}

/// Writes `text` to a temporary file and returns its path.
func temporaryFile(_ text: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).json")
    try Data(text.utf8).write(to: url)
    return url.path
}
