import Foundation

/// Runs the real curl against the server and returns status, headers and body.
enum Curl {
    struct Result {
        var status: Int
        var headers: String
        var body: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("curl-headers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: headerFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "10", "-D", headerFile.path, "-w", "\n%{http_code}"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        let statusLine = text.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        text.removeLast(min(text.count, statusLine.count + 1))
        let headers = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        return Result(status: Int(statusLine) ?? 0, headers: headers, body: text)
    }

    /// The JSON body as a dictionary (nil when it is not a JSON object).
    static func json(_ body: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}
