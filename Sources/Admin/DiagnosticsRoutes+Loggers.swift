import Foundation
import Logging
import Server
import StructuredLogging

/// `/debug/loggers`: the process's log level, read and changed while it runs, as Spring
/// Actuator's loggers endpoint and Envoy's `/logging` do.
///
///     GET  /debug/loggers                    {"level":"info","levels":["trace",…,"critical"]}
///     POST /debug/loggers {"level":"debug"}  {"level":"debug","previous":"info"}
///
/// The change applies at once to every logger of both formats (`LogLevelControl`). A body
/// that is not `{"level":…}` JSON, or a level that does not exist, is a 400 that changes
/// nothing.
extension DiagnosticsRoutes {
    static func registerLoggers(on router: inout Router, control: LogLevelControl) {
        router.get("/debug/loggers") { _, _ in
            Response(contentType: .json, body: ResponseBody(levelBody(control.level, previous: nil)))
        }
        router.post("/debug/loggers") { request, _ in
            let level = try requestedLevel(body: request.body, contentType: request.headers.first("Content-Type"))
            let previous = control.level
            control.set(level)
            return Response(contentType: .json, body: ResponseBody(levelBody(level, previous: previous)))
        }
    }

    /// The level a `{"level":"debug"}` body asks for.
    static func requestedLevel(body: [UInt8], contentType: String?) throws -> Logger.Level {
        guard let contentType, contentType.lowercased().hasPrefix("application/json") else {
            throw HTTPError(.unsupportedMediaType, code: .unsupportedMediaType, message: "The body must be application/json")
        }
        struct Body: Decodable { var level: String? }
        let expected = "one of " + LogLevelControl.levelNames.joined(separator: ", ")
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: Data(body))
        } catch DecodingError.typeMismatch, DecodingError.valueNotFound {
            throw HTTPError.invalidParameter("level", expected: expected, received: nil, source: .body)
        } catch {
            throw HTTPError(.badRequest, code: .invalidBody, message: "The body must be a JSON object like {\"level\":\"debug\"}")
        }
        guard let name = decoded.level else {
            throw HTTPError.missingParameter("level", expected: expected, source: .body)
        }
        guard let level = Logger.Level(rawValue: name) else {
            throw HTTPError.invalidParameter("level", expected: expected, received: name, source: .body)
        }
        return level
    }

    private static func levelBody(_ level: Logger.Level, previous: Logger.Level?) -> [UInt8] {
        var out: [UInt8] = Array(#"{"level":"#.utf8)
        JSONErrorBody.appendString(level.rawValue, to: &out)
        if let previous {
            out.append(contentsOf: #","previous":"#.utf8)
            JSONErrorBody.appendString(previous.rawValue, to: &out)
        } else {
            out.append(contentsOf: #","levels":["#.utf8)
            for (index, name) in LogLevelControl.levelNames.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONErrorBody.appendString(name, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}
