import Foundation

extension Scenario {
    /// Why a scenario cannot be used.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { "scenario: \(message)" }
        init(_ message: String) { self.message = message }
    }

    /// Decodes and validates a scenario from JSON.
    public static func parse(json: Data) throws(Problem) -> Scenario {
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: json)
        } catch {
            throw Problem("not valid scenario JSON: \(Self.describe(error))")
        }
        try scenario.validate()
        return scenario
    }

    /// Reads, decodes and validates a scenario file.
    public static func load(path: String) throws(Problem) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem("cannot read \(path)") }
        return try parse(json: data)
    }

    /// Checks weights, ranges, methods, header names and values, and that every
    /// placeholder names a variable.
    public func validate() throws(Problem) {
        guard !requests.isEmpty else { throw Problem("\"requests\" is empty") }
        for (name, variable) in variables ?? [:] {
            guard RequestTemplate.isIdentifier(name) else { throw Problem("variable name \"\(name)\" is not an identifier") }
            guard variable.min <= variable.max else { throw Problem("variable \(name): min > max") }
            if let fraction = variable.missingFraction, !(0...1).contains(fraction) {
                throw Problem("variable \(name): missing_fraction must be within 0...1")
            }
            if let low = variable.missingMin, let high = variable.missingMax, low > high {
                throw Problem("variable \(name): missing_min > missing_max")
            }
        }
        for header in (headers ?? [:]) { try Self.validateHeader(header.key, header.value, in: "headers") }
        for (index, entry) in requests.enumerated() {
            let place = "requests[\(index)]"
            if let weight = entry.weight, !(weight > 0 && weight.isFinite) { throw Problem("\(place): weight must be > 0") }
            let method = entry.method ?? "GET"
            guard !method.isEmpty, method.utf8.allSatisfy(RequestTemplate.isTokenByte) else {
                throw Problem("\(place): method \"\(method)\" is not a token")
            }
            guard entry.path.hasPrefix("/") else { throw Problem("\(place): path must start with /") }
            guard !entry.path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
                throw Problem("\(place): path has spaces or control characters")
            }
            for header in entry.headers ?? [:] { try Self.validateHeader(header.key, header.value, in: place) }
            try entry.expect?.validate(in: place)
            for text in [entry.path, entry.body ?? ""] + Array((entry.headers ?? [:]).values) {
                for name in RequestTemplate(text).variableNames where variables?[name] == nil && name != ScenarioRenderer.sequenceVariable {
                    throw Problem("\(place): {\(name)} names no variable")
                }
            }
        }
    }

    static func validateHeader(_ name: String, _ value: String, in place: String) throws(Problem) {
        guard !name.isEmpty, name.utf8.allSatisfy(RequestTemplate.isTokenByte) else {
            throw Problem("\(place): header name \"\(name)\" is not a token")
        }
        guard !value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
            throw Problem("\(place): header \(name) has control characters")
        }
        let reserved = ["host", "content-length", "transfer-encoding", "connection"]
        guard !reserved.contains(name.lowercased()) else {
            throw Problem("\(place): header \(name) is set by the load client")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "wrong type at \(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context)?:
            return context.debugDescription
        default:
            return "\(error)"
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return keys.isEmpty ? "top level" : keys
    }
}
