/// A mix of requests to send, read from a JSON scenario file.
///
/// ```json
/// {
///   "seed": 42,
///   "headers": {"Accept": "application/json"},
///   "variables": {
///     "order_id": {"min": 1, "max": 10000, "missing_fraction": 0.05}
///   },
///   "requests": [
///     {"name": "map", "weight": 8, "path": "/api/v1/order/map?ids={order_id},{order_id}"},
///     {"weight": 1, "method": "POST", "path": "/api/v1/order/map",
///      "headers": {"Content-Type": "application/json"}, "body": "{\"ids\":[{order_id}]}"}
///   ]
/// }
/// ```
///
/// `{name}` in a path, header value or body is replaced, each time it occurs, by a value
/// drawn from the variable `name`: uniformly from `min...max`, or, with probability
/// `missing_fraction`, from `missing_min...missing_max` (by default the range of the same
/// size just above `max`, that is ids the seeded data does not have). `{n}`, unless a
/// variable is named `n`, is the request's number in the run's table of rendered requests
/// (from 0; the table repeats when the run outlasts it). Any other brace is literal, so
/// JSON bodies need no escaping.
///
/// An entry that sets `X-Request-Id` with a literal prefix (`"map-missing-{n}"`) lets the
/// watcher name the entry whose requests left orphaned tasks on the server.
public struct Scenario: Sendable, Equatable, Codable {
    /// Seeds the draws, so that two runs of a scenario send the same requests.
    public var seed: UInt64?
    /// Headers sent with every request (a request's own headers win).
    public var headers: [String: String]?
    public var variables: [String: Variable]?
    public var requests: [Entry]

    /// A templated id: a range of existing values, and a fraction drawn from a range of
    /// values that do not exist.
    public struct Variable: Sendable, Equatable, Codable {
        public var min: Int64
        public var max: Int64
        public var missingFraction: Double?
        public var missingMin: Int64?
        public var missingMax: Int64?

        enum CodingKeys: String, CodingKey {
            case min, max
            case missingFraction = "missing_fraction"
            case missingMin = "missing_min"
            case missingMax = "missing_max"
        }

        public init(min: Int64, max: Int64, missingFraction: Double? = nil, missingMin: Int64? = nil, missingMax: Int64? = nil) {
            self.min = min
            self.max = max
            self.missingFraction = missingFraction
            self.missingMin = missingMin
            self.missingMax = missingMax
        }

        /// The range that missing values are drawn from.
        public var missingRange: ClosedRange<Int64> {
            let low = missingMin ?? (max + 1)
            let high = missingMax ?? (low + (max - min))
            return low...Swift.max(low, high)
        }
    }

    /// One kind of request, chosen with probability weight / (sum of weights).
    public struct Entry: Sendable, Equatable, Codable {
        /// A label for reports; defaults to "METHOD path".
        public var name: String?
        public var weight: Double?
        public var method: String?
        public var path: String
        public var headers: [String: String]?
        public var body: String?
        /// Checks on its responses (Scenario+Expectation.swift).
        public var expect: Expectation?

        public init(name: String? = nil, weight: Double? = nil, method: String? = nil, path: String,
                    headers: [String: String]? = nil, body: String? = nil, expect: Expectation? = nil) {
            self.name = name
            self.weight = weight
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
            self.expect = expect
        }

        /// The label used in reports.
        public var label: String { name ?? "\(method ?? "GET") \(path)" }

        /// The literal start of the entry's `X-Request-Id` template, which every id it
        /// sends begins with; nil when it sets none or the template starts with a variable.
        public var requestIDPrefix: String? {
            guard let template = headers?.first(where: { $0.key.lowercased() == "x-request-id" })?.value,
                  case .literal(let prefix)? = RequestTemplate(template).parts.first else { return nil }
            return prefix
        }
    }

    public init(seed: UInt64? = nil, headers: [String: String]? = nil, variables: [String: Variable]? = nil,
                requests: [Entry]) {
        self.seed = seed
        self.headers = headers
        self.variables = variables
        self.requests = requests
    }

    /// A scenario of one request: the single-URL run.
    public static func single(path: String, method: String = "GET", headers: [String: String] = [:],
                              body: String? = nil) -> Scenario {
        Scenario(requests: [Entry(method: method, path: path, headers: headers.isEmpty ? nil : headers, body: body)])
    }
}
