import Foundation
import Synchronization

/// The real `orders` binary, started on an ephemeral loopback port for one test.
final class ServerProcess: Sendable {
    let process: Process
    /// Kept open for the server's life; see `--exit-when-stdin-closes`.
    let stdin: Pipe
    let port: Int
    /// The admin listener's port (metrics and debug endpoints).
    let adminPort: Int
    private let output: CapturedOutput

    /// What the server printed, filled by the pipe's reader thread.
    final class CapturedOutput: Sendable {
        let text = Mutex("")
        let port = Mutex<Int?>(nil)
        let adminPort = Mutex<Int?>(nil)
        let tlsPort = Mutex<Int?>(nil)
        /// Set when the pipe reached its end: the server exited and everything it wrote
        /// has been read.
        let ended = Mutex(false)
    }

    /// The `orders` binary built next to the test bundle (`swift build --build-tests`).
    static var binaryURL: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test runner sits inside `…/debug/ordersPackageTests.xctest` on Linux.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("orders")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/orders")
    }

    /// Starts `orders serve --host 127.0.0.1 --port 0` with `arguments` added, and waits
    /// until it logs the port it listens on. `environment` is added to the test's own; a
    /// default flag above whose `ORDERS_…` variable it sets is left out, so the variable
    /// takes effect.
    init(_ arguments: [String] = [], threads: Int = 2, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = Self.binaryURL
        let defaults = [("ORDERS_HOST", ["--host", "127.0.0.1"]), ("ORDERS_PORT", ["--port", "0"]),
                        ("ORDERS_ADMIN_PORT", ["--admin-port", "0"]), ("ORDERS_THREADS", ["--threads", String(threads)])]
        process.arguments = ["serve"] + defaults.filter { environment[$0.0] == nil }.flatMap(\.1)
            + ["--exit-when-stdin-closes"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        // The server reads this pipe; when the test process ends, for any reason, the pipe
        // closes and the server shuts down, so no server outlives its tests.
        let stdin = Pipe()
        process.standardInput = stdin
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = CapturedOutput()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                output.ended.withLock { $0 = true }
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            let all = output.text.withLock { $0 += text; return $0 }
            // The listening lines come at start-up: once both are in, the rest of the log
            // (an access-log line per request under load) is not scanned again, which would
            // make the reader fall behind the server.
            guard output.port.withLock({ $0 }) == nil || output.adminPort.withLock({ $0 }) == nil else { return }
            if output.port.withLock({ $0 }) == nil, let port = Self.listeningPort(in: all) {
                output.port.withLock { $0 = port }
                // The public listener's line also names the TLS port, when there is one.
                output.tlsPort.withLock { $0 = Self.listeningPort(in: all, field: "tls_port") }
            }
            if output.adminPort.withLock({ $0 }) == nil, let port = Self.listeningPort(in: all, listener: "admin") {
                output.adminPort.withLock { $0 = port }
            }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while output.port.withLock({ $0 }) == nil || output.adminPort.withLock({ $0 }) == nil {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw ServerProcessError.didNotStart(output: output.text.withLock { $0 })
            }
            usleep(20_000)
        }
        self.process = process
        self.stdin = stdin
        self.port = output.port.withLock { $0 }!
        self.adminPort = output.adminPort.withLock { $0 }!
        self.output = output
    }

    /// The TLS port, when the server was started with TLS (`tls_port` in its log).
    var tlsPort: Int? { output.tlsPort.withLock { $0 } }

    /// Everything the server logged so far.
    var log: String { output.text.withLock { $0 } }

    /// Everything the server logged, once it has exited and its output has been read to
    /// the end (at most `timeout` seconds of waiting): for counting log lines after exit.
    func logAfterExit(timeout: TimeInterval = 10) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while !output.ended.withLock({ $0 }) && Date() < deadline { usleep(10_000) }
        return log
    }

    /// The port a "listening" line names, in either log format: `listener=public port=8080`
    /// (text) or `"listener":"public",…,"port":"8080"` (`--log-format json`).
    static func listeningPort(in log: String, listener: String = "public", field: String = "port") -> Int? {
        for line in log.split(separator: "\n") where line.contains("listening") {
            if line.contains("listener=\(listener)"),
               let range = line.range(of: #"(^| )"# + field + #"=(\d+)"#, options: .regularExpression) {
                return Int(line[range].split(separator: "=").last ?? "")
            }
            if line.contains(#""listener":"\#(listener)""#),
               let range = line.range(of: #"""# + field + #"":"(\d+)""#, options: .regularExpression) {
                return Int(line[range].split(separator: "\"").last ?? "")
            }
        }
        return nil
    }

    /// Sends a signal (SIGTERM by default).
    func signal(_ signal: Int32 = SIGTERM) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for exit, up to `timeout`; returns the exit status, or nil if still running.
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

enum ServerProcessError: Error, CustomStringConvertible {
    case didNotStart(output: String)

    var description: String {
        switch self {
        case .didNotStart(let output): "orders did not start; it said:\n\(output)"
        }
    }
}
