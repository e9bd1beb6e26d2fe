/// Turns a scenario into request bytes: picks an entry by weight, fills its placeholders,
/// and writes the HTTP/1.1 request.
public struct ScenarioRenderer: Sendable {
    /// One rendered request.
    public struct Rendered: Sendable, Equatable {
        /// Index of the scenario entry it came from.
        public var entry: Int
        public var bytes: [UInt8]
        /// A HEAD request: its response has no body.
        public var isHead: Bool
        /// With `traceparent`: where its placeholder value starts in `bytes` (0: none).
        public var traceOffset = 0
    }

    /// `traceparent` with a placeholder value (all zeros: invalid if ever sent as is), which
    /// the client overwrites with a fresh trace context at each send (`--trace`).
    public var traceparent = false
    /// The placeholder: as long as a traceparent value.
    public static let traceparentPlaceholder = "00-" + String(repeating: "0", count: 32) + "-" + String(repeating: "0", count: 16) + "-00"

    struct CompiledEntry: Sendable {
        var method: String
        var path: RequestTemplate
        var headers: [(name: String, value: RequestTemplate)]
        var body: RequestTemplate?
    }

    public let scenario: Scenario
    let authority: String
    let entries: [CompiledEntry]
    let cumulativeWeights: [Double]
    var generator: SeededGenerator
    /// The number `{n}` renders as in the next request.
    var sequence = 0

    /// Prepares `scenario` (already validated) for `authority` (the Host header).
    public init(scenario: Scenario, authority: String, seed: UInt64? = nil) {
        self.scenario = scenario
        self.authority = authority
        generator = SeededGenerator(seed: seed ?? scenario.seed ?? 0x5EED)
        var total = 0.0
        var cumulative: [Double] = []
        var compiled: [CompiledEntry] = []
        for entry in scenario.requests {
            total += entry.weight ?? 1
            cumulative.append(total)
            var headers: [String: String] = scenario.headers ?? [:]
            for (name, value) in entry.headers ?? [:] {
                headers = headers.filter { $0.key.lowercased() != name.lowercased() }
                headers[name] = value
            }
            compiled.append(CompiledEntry(
                method: entry.method ?? "GET",
                path: RequestTemplate(entry.path),
                headers: headers.sorted { $0.key < $1.key }.map { ($0.key, RequestTemplate($0.value)) },
                body: entry.body.map(RequestTemplate.init)
            ))
        }
        entries = compiled
        cumulativeWeights = cumulative
    }

    /// Draws one value of `variable`.
    public static func draw(_ variable: Scenario.Variable, using generator: inout SeededGenerator) -> Int64 {
        if let fraction = variable.missingFraction, fraction > 0,
           Double.random(in: 0..<1, using: &generator) < fraction {
            return Int64.random(in: variable.missingRange, using: &generator)
        }
        return Int64.random(in: variable.min...variable.max, using: &generator)
    }

    /// The built-in placeholder `{n}`: the number of the request being rendered, from 0.
    public static let sequenceVariable = "n"

    /// Picks the next entry by weight.
    public mutating func nextEntry() -> Int {
        let point = Double.random(in: 0..<(cumulativeWeights.last ?? 1), using: &generator)
        return cumulativeWeights.firstIndex { point < $0 } ?? (cumulativeWeights.count - 1)
    }

    /// Renders the next request.
    public mutating func next() -> Rendered {
        let index = nextEntry()
        return render(entry: index)
    }

    /// Renders a request of entry `index`, drawing fresh values for its placeholders.
    public mutating func render(entry index: Int) -> Rendered {
        let entry = entries[index]
        let variables = scenario.variables ?? [:]
        var generator = self.generator
        defer { self.generator = generator }
        let sequence = self.sequence
        self.sequence += 1
        let value: (String) -> String = { name in
            guard let variable = variables[name] else { return name == Self.sequenceVariable ? String(sequence) : "" }
            return String(Self.draw(variable, using: &generator))
        }
        var head = "\(entry.method) \(entry.path.render(value)) HTTP/1.1\r\nHost: \(authority)\r\n"
        var traceOffset = 0
        if traceparent {
            head += "traceparent: "
            traceOffset = head.utf8.count
            head += Self.traceparentPlaceholder + "\r\n"
        }
        var hasUserAgent = false
        for (name, template) in entry.headers {
            if name.lowercased() == "user-agent" { hasUserAgent = true }
            head += "\(name): \(template.render(value))\r\n"
        }
        if !hasUserAgent { head += "User-Agent: loadtest\r\n" }
        let body = entry.body.map { Array($0.render(value).utf8) } ?? []
        if entry.body != nil || ["POST", "PUT", "PATCH"].contains(entry.method) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Rendered(entry: index, bytes: Array(head.utf8) + body, isHead: entry.method == "HEAD", traceOffset: traceOffset)
    }
}
