/// Samples read from a Prometheus text exposition (`/metrics`).
public struct PrometheusText: Sendable, Equatable {
    /// One sample line.
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double

        public init(name: String, labels: [String: String], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    public var samples: [Sample]

    /// Parses the exposition; comments and lines that do not parse are skipped.
    public init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { Self.parseLine($0) }
    }

    static func parseLine(_ line: Substring) -> Sample? {
        guard let first = line.first, first != "#" else { return nil }
        var labels: [String: String] = [:]
        var rest: Substring
        let name: Substring
        if let brace = line.firstIndex(of: "{") {
            name = line[..<brace]
            var index = line.index(after: brace)
            while index < line.endIndex, line[index] != "}" {
                guard let equals = line[index...].firstIndex(of: "="),
                      line.index(after: equals) < line.endIndex, line[line.index(after: equals)] == "\"" else { return nil }
                let key = String(line[index..<equals]).trimmingWhitespace()
                var value = ""
                var cursor = line.index(equals, offsetBy: 2)
                while cursor < line.endIndex, line[cursor] != "\"" {
                    if line[cursor] == "\\", line.index(after: cursor) < line.endIndex {
                        cursor = line.index(after: cursor)
                        value.append(line[cursor] == "n" ? "\n" : line[cursor])
                    } else {
                        value.append(line[cursor])
                    }
                    cursor = line.index(after: cursor)
                }
                guard cursor < line.endIndex else { return nil }
                labels[key.hasPrefix(",") ? String(key.dropFirst()).trimmingWhitespace() : key] = value
                index = line.index(after: cursor)
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
            guard index < line.endIndex else { return nil }
            rest = line[line.index(after: index)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = line[..<space]
            rest = line[space...]
        }
        let fields = rest.split(separator: " ")
        guard let valueText = fields.first else { return nil }
        let value: Double? = switch valueText {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        default: Double(valueText)
        }
        guard let value else { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }

    /// The sum of every sample named `name` whose labels pass `filter`.
    public func sum(_ name: String, where filter: ([String: String]) -> Bool = { _ in true }) -> Double {
        samples.reduce(0) { $1.name == name && filter($1.labels) ? $0 + $1.value : $0 }
    }
}
