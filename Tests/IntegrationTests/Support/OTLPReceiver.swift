import Foundation
import Synchronization

/// `scripts/otlp-receiver.py` under the tests' venv (`scripts/test-venv.sh`): a collector that
/// decodes every export with PyPI's opentelemetry-proto and reports each span as a JSON line;
/// or one that answers 503, or one that accepts and never reads.
final class OTLPReceiver: Sendable {
    enum Mode { case decode, closeSilently, status(Int), stall }

    let process: Process
    let port: Int
    /// Kept open for the receiver's life: when the test process ends, for any reason, the
    /// pipe closes and the receiver exits.
    private let stdin = Pipe()
    private let captured = Captured()

    /// What the receiver printed: complete lines, and the start of the next one.
    final class Captured: Sendable {
        let lines = Mutex<[String]>([])
        let pending = Mutex("")
    }

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    init(_ mode: Mode = .decode) throws {
        let python = Self.root.appendingPathComponent(".venv-test/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ReceiverError.noVenv("no \(python.path): run scripts/test-venv.sh (scripts/test.sh does)")
        }
        let process = Process()
        process.executableURL = python
        var arguments = [Self.root.appendingPathComponent("scripts/otlp-receiver.py").path, "--port", "0"]
        switch mode {
        case .decode: break
        case .closeSilently: arguments += ["--close-silently"]
        case .status(let status): arguments += ["--status", String(status)]
        case .stall: arguments += ["--stall"]
        }
        process.arguments = arguments
        process.standardInput = stdin
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let captured = self.captured
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            let complete = captured.pending.withLock { pending -> [String] in
                pending += String(decoding: data, as: UTF8.self)
                var parts = pending.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                pending = parts.removeLast()
                return parts
            }
            captured.lines.withLock { $0 += complete }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while port == nil {
            port = captured.lines.withLock { $0.first { $0.hasPrefix("listening ") } }.flatMap { Int($0.dropFirst("listening ".count)) }
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw ReceiverError.didNotStart(captured.lines.withLock { $0.joined(separator: "\n") })
            }
            if port == nil { usleep(20_000) }
        }
        self.process = process
        self.port = port!
    }

    deinit { process.terminate() }

    /// The decoded spans so far.
    var spans: [[String: Any]] {
        captured.lines.withLock { $0 }.compactMap { Curl.json($0) }.filter { $0["span_id"] != nil }
    }

    /// The connections the receiver accepted so far.
    var connections: Int {
        captured.lines.withLock { $0 }.compactMap { Curl.json($0)?["connections"] as? Int }.max() ?? 0
    }

    /// Waits until `condition` holds for the spans received, or 10 s passed; returns them.
    func waitForSpans(until condition: ([[String: Any]]) -> Bool) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(10)
        var current = spans
        while !condition(current) && Date() < deadline {
            usleep(50_000)
            current = spans
        }
        return current
    }

    /// Everything it printed, for failure messages.
    var output: String { captured.lines.withLock { $0.joined(separator: "\n") } }

    enum ReceiverError: Error, CustomStringConvertible {
        case noVenv(String), didNotStart(String)
        var description: String {
            switch self {
            case .noVenv(let text): text
            case .didNotStart(let output): "otlp-receiver.py did not start:\n\(output)"
            }
        }
    }
}
