import Foundation
import Testing

/// `--log-format json` on the real binary: every line standard error gets is one JSON
/// object, each access-log line carries the request id the client saw, and a level set
/// through `/debug/loggers` takes effect on the next request.
@Suite(.serialized)
struct LogFormatTests {
    static let server = Result { try ServerProcess(["--log-format", "json"]) }

    static func objects(_ log: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { Curl.json(String($0)) }
    }

    static func accessLines(_ log: String) -> [[String: Any]] {
        objects(log).filter { $0["message"] as? String == "request" }
    }

    /// Waits until the log holds `count` access lines (the lines are written off the loop).
    static func waitForAccessLines(_ server: ServerProcess, atLeast count: Int) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(5)
        var lines = accessLines(server.log)
        while lines.count < count && Date() < deadline {
            usleep(20_000)
            lines = accessLines(server.log)
        }
        return lines
    }

    @Test func everyLineIsOneJSONObjectAndAccessLinesCarryTheRequestID() throws {
        let server = try Self.server.get()
        let before = Self.accessLines(server.log).count
        let given = try Curl.run(["-H", "X-Request-Id: trace-me-42", "http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=alice"])
        #expect(given.status == 200)
        let missing = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/order/map"])
        #expect(missing.status == 400)
        let lines = Self.waitForAccessLines(server, atLeast: before + 2)
        let log = server.log
        for line in log.split(separator: "\n") {
            let object = Curl.json(String(line))
            #expect(object != nil, "not one JSON object: \(line)")
            for key in ["timestamp", "level", "message", "label"] { #expect(object?[key] is String, "\(key) in \(line)") }
            let timestamp = object?["timestamp"] as? String ?? ""
            #expect(timestamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(timestamp)")
        }
        let mine = lines.filter { $0["request_id"] as? String == "trace-me-42" }
        #expect(mine.count == 1)
        #expect(mine.first?["route"] as? String == "/api/v1/user/fetch")
        #expect(mine.first?["status"] as? String == "200")
        let echoed = missing.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-request-id:") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
        #expect(echoed != nil)
        #expect(lines.contains { $0["request_id"] as? String == echoed && $0["status"] as? String == "400" })
    }

    @Test func aLevelSetThroughTheAdminListenerAppliesAtOnce() throws {
        let server = try Self.server.get()
        let admin = "http://127.0.0.1:\(server.adminPort)/debug/loggers"
        let json = ["-H", "Content-Type: application/json"]
        let raised = try Curl.run(json + ["-d", #"{"level":"warning"}"#, admin])
        #expect(raised.status == 200)
        let quietBefore = Self.waitForAccessLines(server, atLeast: 0).count
        for _ in 0..<3 { _ = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=bob"]) }
        usleep(300_000)
        #expect(Self.accessLines(server.log).count == quietBefore, "info lines written at level warning")
        let refused = try Curl.run(json + ["-d", #"{"level":"loud"}"#, admin])
        #expect(refused.status == 400)
        #expect(Curl.json(try Curl.run([admin]).body)?["level"] as? String == "warning")
        let lowered = try Curl.run(json + ["-d", #"{"level":"info"}"#, admin])
        #expect(lowered.status == 200)
        _ = try Curl.run(["http://127.0.0.1:\(server.port)/api/v1/user/fetch?name=carol"])
        #expect(Self.waitForAccessLines(server, atLeast: quietBefore + 1).count == quietBefore + 1)
    }
}
