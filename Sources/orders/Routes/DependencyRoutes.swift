import Foundation
import Logging
import OrderService
import Server

extension HTTPError.Code {
    /// 400: `/debug/dependencies` was sent a setting it does not have.
    static let unknownSetting = HTTPError.Code("unknown_setting")
    /// 413: the body is larger than the route takes.
    static let contentTooLarge = HTTPError.Code("content_too_large")
}

/// `/debug/dependencies` on the admin listener: the stand-in remote systems' latencies,
/// failure rates and cache TTL, read and changed while the service runs (the hot fix with a
/// fallback: slow a dependency down, make it fail, or cache longer, without a restart).
///
///     GET  /debug/dependencies                          {"settings":{…},"startup":{…}}
///     POST /debug/dependencies {"stock_latency_ms":250} {"settings":{…},"previous":{…},"changed":[…],"startup":{…}}
///     POST /debug/dependencies/reset                    the same shape, back at the start-up values
///
/// A POST names only the settings it changes; the others keep their values. Every value is
/// checked first, and a bad one (the wrong type, out of range, an unknown name) is a 400
/// naming it that changes nothing; the valid settings then replace the old ones at once
/// (`DependencyControl`). Each change is logged at notice level with its old and new values.
enum DependencyRoutes {
    /// The largest body a POST takes; six settings fit in a tenth of it.
    static let maxBodyBytes = 4096

    static func register(on router: inout Router, dependencies: DependencyControl, logger: Logger) {
        router.get("/debug/dependencies") { request, _ in
            // State changes are POST only: a GET that carries a change is refused, not ignored.
            guard request.query.isEmpty else {
                throw HTTPError(.methodNotAllowed, code: .methodNotAllowed,
                                message: "Change dependency settings with POST /debug/dependencies, e.g. -d '{\"stock_latency_ms\":250}'",
                                headers: ["Allow": "GET, POST"])
            }
            return Response(contentType: .json, body: ResponseBody(settingsBody(dependencies.current, startup: dependencies.startup)))
        }
        router.post("/debug/dependencies") { request, _ in
            let values = try requestedValues(body: request.body, contentType: request.headers.first("Content-Type"))
            let change: DependencyChange
            do {
                change = try dependencies.update { settings in
                    for (field, value) in values { try settings.set(field, to: value) }
                }
            } catch let error as InvalidDependencySetting {
                throw HTTPError.invalidParameter(error.field.name, expected: error.field.expected,
                                                 received: number(error.value), source: .body)
            }
            log(change, reset: false, logger: logger)
            return Response(contentType: .json, body: ResponseBody(changeBody(change, startup: dependencies.startup)))
        }
        router.post("/debug/dependencies/reset") { _, _ in
            let change = dependencies.reset()
            log(change, reset: true, logger: logger)
            return Response(contentType: .json, body: ResponseBody(changeBody(change, startup: dependencies.startup)))
        }
    }

    /// The settings a `{"stock_latency_ms":250,"stock_failure_rate":0.1}` body names, in the
    /// order of `DependencySettings.Field.allCases`, with types checked; ranges are checked
    /// when they are applied.
    static func requestedValues(body: [UInt8], contentType: String?) throws -> [(DependencySettings.Field, Double)] {
        guard body.count <= maxBodyBytes else {
            throw HTTPError(.contentTooLarge, code: .contentTooLarge,
                            message: "The body must be at most \(maxBodyBytes) bytes; nothing was changed")
        }
        guard let contentType, MediaType(contentType)?.is("application", "json") == true else {
            throw HTTPError(.unsupportedMediaType, code: .unsupportedMediaType, message: "The body must be application/json")
        }
        let values: [(DependencySettings.Field, Double)]
        do {
            values = try JSONDecoder().decode(ChangeBody.self, from: Data(body)).values
        } catch let error as UnknownSetting {
            let known = DependencySettings.Field.allCases.map(\.name).joined(separator: ", ")
            throw HTTPError(.badRequest, code: .unknownSetting,
                            message: "No dependency setting is named '\(error.name)'; known: \(known)",
                            details: [("parameter", error.name), ("source", "body")])
        } catch let error as DecodingError {
            // A value of the wrong type (a string, a boolean, null, a number too large for a
            // Double) names its key; anything else is a body that is not a JSON object.
            if let key = error.context?.codingPath.first?.stringValue, let field = DependencySettings.Field(name: key) {
                throw HTTPError.invalidParameter(field.name, expected: field.expected, received: nil, source: .body)
            }
            // NaN and Infinity are not JSON, but some encoders write them (Python's json
            // does). Read leniently only to name the setting they were given for.
            let lenient = JSONDecoder()
            lenient.allowsJSON5 = true
            if let (field, value) = (try? lenient.decode(ChangeBody.self, from: Data(body)))?.values.first(where: { !$0.1.isFinite }) {
                throw HTTPError.invalidParameter(field.name, expected: field.expected, received: number(value), source: .body)
            }
            throw invalidBody
        }
        guard !values.isEmpty else { throw invalidBody }
        return values
    }

    static let invalidBody = HTTPError(
        .badRequest, code: .invalidBody,
        message: "The body must be a JSON object of one or more dependency settings, e.g. {\"stock_latency_ms\":250,\"stock_failure_rate\":0.1}"
    )

    /// One notice line per change, each changed setting as `old -> new`; a POST that
    /// changed nothing is an info line.
    static func log(_ change: DependencyChange, reset: Bool, logger: Logger) {
        let changed = change.changedFields
        var metadata: Logger.Metadata = ["via": .string(reset ? "POST /debug/dependencies/reset" : "POST /debug/dependencies")]
        guard !changed.isEmpty else {
            logger.info("dependency settings unchanged", metadata: metadata)
            return
        }
        for field in changed {
            metadata[field.name] = .string("\(number(change.previous[field])) -> \(number(change.current[field]))")
        }
        logger.notice(reset ? "dependency settings reset to start-up values" : "dependency settings changed", metadata: metadata)
    }

    // MARK: Bodies

    static func settingsBody(_ settings: DependencySettings, startup: DependencySettings) -> [UInt8] {
        var out = Array(#"{"settings":"#.utf8)
        appendSettings(settings, to: &out)
        out.append(contentsOf: #","startup":"#.utf8)
        appendSettings(startup, to: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    static func changeBody(_ change: DependencyChange, startup: DependencySettings) -> [UInt8] {
        var out = Array(#"{"settings":"#.utf8)
        appendSettings(change.current, to: &out)
        out.append(contentsOf: #","previous":"#.utf8)
        appendSettings(change.previous, to: &out)
        out.append(contentsOf: #","changed":["#.utf8)
        for (index, field) in change.changedFields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONErrorBody.appendString(field.name, to: &out)
        }
        out.append(contentsOf: #"],"startup":"#.utf8)
        appendSettings(startup, to: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// `{"inventory_latency_ms":0,…}`, every field in declaration order.
    static func appendSettings(_ settings: DependencySettings, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, field) in DependencySettings.Field.allCases.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONErrorBody.appendString(field.name, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: number(settings[field]).utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A number as JSON writes it: whole values without a fraction (`250`, not `250.0`).
    /// The settings are always finite; NaN and Infinity are spelled out for error messages.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 0x1p53 {
            return String(Int64(value))
        }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"
    }
}

/// A POST body: the settings it names, each with a number.
private struct ChangeBody: Decodable {
    var values: [(DependencySettings.Field, Double)]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        // Unknown names first, so that a typo is reported as such whatever its value.
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { DependencySettings.Field(name: $0) == nil }) {
            throw UnknownSetting(name: unknown)
        }
        values = try DependencySettings.Field.allCases.compactMap { field in
            let key = Key(stringValue: field.name)
            guard container.contains(key) else { return nil }
            return (field, try container.decode(Double.self, forKey: key))
        }
    }
}

private struct UnknownSetting: Error {
    var name: String
}

extension DecodingError {
    /// The context of any case.
    var context: Context? {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
             .dataCorrupted(let context):
            context
        @unknown default:
            nil
        }
    }
}
