/// The parameters of `GET /debug/tasks`, parsed and checked.
///
/// | parameter   | values                                   | default |
/// |-------------|------------------------------------------|---------|
/// | `debug`     | `0` pprof (gzipped profile.proto), `1` grouped, `2` every task | `1` |
/// | `format`    | `text`, `json`                           | `text`  |
/// | `view`      | `profile`, `leaks`, `orphans`            | `profile` |
/// | `group_by`  | `site`, `route`, `request_id` (`view=orphans`, `debug=1` only) | `site` |
/// | `min_age`   | a duration: `500ms`, `30s`, `2m`, `1h`, `30` (seconds) | none |
/// | `name`      | a task name                              | none    |
/// | `state`     | `running`, `waiting`, or a wait reason   | none    |
/// | `seconds`   | 1 ... 60: only tasks created during the next N seconds and alive at the end | none |
/// | `threshold` | a duration: how long a task must have waited to count as leaked (`view=leaks`) | 30s |
///
/// `debug=0` takes the filters, `seconds` and `view=orphans` (a profile of the orphans
/// alone), but not `format=json` or `view=leaks` (pprof has one shape): those throw
/// `InvalidParameter` naming `format` or `view`.
/// An empty value counts as absent; unknown parameters are ignored; for a repeated
/// parameter the last value wins. A bad value throws `InvalidParameter` naming the
/// parameter (the admin route answers it with 400 `invalid_parameter`).
public struct TaskProfileQuery: Sendable, Equatable {
    /// The output format.
    public struct Format: Sendable, Hashable, CustomStringConvertible {
        private enum Storage: Sendable, Hashable { case text, json }
        private let storage: Storage
        /// Plain text modelled on Go's goroutine profile.
        public static let text = Format(storage: .text)
        /// JSON, for tools.
        public static let json = Format(storage: .json)
        public var description: String { storage == .text ? "text" : "json" }
    }

    /// What to list.
    public struct View: Sendable, Hashable, CustomStringConvertible {
        private enum Storage: Sendable, Hashable { case profile, leaks, orphans }
        private let storage: Storage
        /// Every task (grouped with `debug=1`, one by one with `debug=2`).
        public static let profile = View(storage: .profile)
        /// Only tasks that have waited longer than `leakThreshold`, grouped by site.
        public static let leaks = View(storage: .leaks)
        /// Only tasks whose request ended while they lived, grouped per `groupBy` (one by
        /// one with `debug=2`).
        public static let orphans = View(storage: .orphans)
        public var description: String {
            switch storage {
            case .profile: "profile"
            case .leaks: "leaks"
            case .orphans: "orphans"
            }
        }
    }

    /// How `view=orphans` groups.
    public struct OrphanGrouping: Sendable, Hashable, CustomStringConvertible {
        private enum Storage: Sendable, Hashable { case site, route, requestID }
        private let storage: Storage
        /// By creation site, task name and the request's route.
        public static let site = OrphanGrouping(storage: .site)
        /// By the request's route alone.
        public static let route = OrphanGrouping(storage: .route)
        /// By the request that left them: one group per leaking request.
        public static let requestID = OrphanGrouping(storage: .requestID)
        public var description: String {
            switch storage {
            case .site: "site"
            case .route: "route"
            case .requestID: "request_id"
            }
        }
    }

    /// Which tasks a `state=` filter keeps.
    public struct StateFilter: Sendable, Hashable, CustomStringConvertible {
        private enum Storage: Sendable, Hashable { case running, waiting, reason(String) }
        private let storage: Storage
        public static let running = StateFilter(storage: .running)
        /// Waiting for any reason.
        public static let waiting = StateFilter(storage: .waiting)
        /// Waiting for exactly `reason`.
        public static func reason(_ reason: String) -> StateFilter { StateFilter(storage: .reason(reason)) }

        /// Parses `running`, `waiting`, or takes the text as a wait reason.
        public init(_ text: String) {
            switch text {
            case "running": storage = .running
            case "waiting": storage = .waiting
            default: storage = .reason(text)
            }
        }

        private init(storage: Storage) { self.storage = storage }

        public func matches(_ state: TaskState) -> Bool {
            switch storage {
            case .running: !state.isWaiting
            case .waiting: state.isWaiting
            case .reason(let reason): state.waitReason == reason
            }
        }

        public var description: String {
            switch storage {
            case .running: "running"
            case .waiting: "waiting"
            case .reason(let reason): reason
            }
        }
    }

    /// 0: pprof; 1: grouped by site, name, state and labels; 2: every task.
    public var debug: Int
    public var format: Format
    public var view: View
    /// Only tasks at least this old.
    public var minAge: Duration?
    /// Only tasks with this name.
    public var name: String?
    public var state: StateFilter?
    /// Answer after this many seconds with the tasks created meanwhile and still alive.
    public var seconds: Int?
    /// For `view=leaks`: the minimum time spent waiting.
    public var leakThreshold: Duration
    /// For `view=orphans`: how orphans are grouped.
    public var orphanGrouping: OrphanGrouping = .site

    /// The largest `seconds` accepted: a request should not hold a connection for long.
    public static let maxSeconds = 60

    public init(debug: Int = 1, format: Format = .text, view: View = .profile, minAge: Duration? = nil,
                name: String? = nil, state: StateFilter? = nil, seconds: Int? = nil,
                leakThreshold: Duration = .seconds(30)) {
        self.debug = debug
        self.format = format
        self.view = view
        self.minAge = minAge
        self.name = name
        self.state = state
        self.seconds = seconds
        self.leakThreshold = leakThreshold
    }

    /// Parses query items; `defaultLeakThreshold` is the service's flag-set default.
    ///
    /// - Throws: `InvalidParameter`, naming the parameter.
    public init(queryItems: [(name: String, value: String)], defaultLeakThreshold: Duration = .seconds(30)) throws(InvalidParameter) {
        self.init(leakThreshold: defaultLeakThreshold)
        var groupByGiven = false
        for (key, value) in queryItems where !value.isEmpty {
            switch key {
            case "debug":
                guard let level = Int(value), (0...2).contains(level) else {
                    throw Self.invalid("debug", value, expected: "0, 1 or 2")
                }
                debug = level
            case "format":
                switch value {
                case "text": format = .text
                case "json": format = .json
                default: throw Self.invalid("format", value, expected: "text or json")
                }
            case "view":
                switch value {
                case "profile": view = .profile
                case "leaks": view = .leaks
                case "orphans": view = .orphans
                default: throw Self.invalid("view", value, expected: "profile, leaks or orphans")
                }
            case "group_by":
                switch value {
                case "site": orphanGrouping = .site
                case "route": orphanGrouping = .route
                case "request_id": orphanGrouping = .requestID
                default: throw Self.invalid("group_by", value, expected: "site, route or request_id")
                }
                groupByGiven = true
            case "min_age":
                guard let age = Self.parseDuration(value) else {
                    throw Self.invalid("min_age", value, expected: "a duration such as 500ms, 30s, 2m or 30")
                }
                minAge = age
            case "threshold":
                guard let threshold = Self.parseDuration(value) else {
                    throw Self.invalid("threshold", value, expected: "a duration such as 500ms, 30s, 2m or 30")
                }
                leakThreshold = threshold
            case "name":
                name = value
            case "state":
                state = StateFilter(value)
            case "seconds":
                guard let count = Int(value), (1...Self.maxSeconds).contains(count) else {
                    throw Self.invalid("seconds", value, expected: "an integer from 1 to \(Self.maxSeconds)")
                }
                seconds = count
            default:
                continue
            }
        }
        if groupByGiven && (view != .orphans || debug != 1) {
            throw InvalidParameter(parameter: "group_by",
                                   message: "parameter 'group_by' applies only to view=orphans with debug=1 (the grouped view)")
        }
        if debug == 0, format == .json {
            throw InvalidParameter(parameter: "format", message: "parameter 'format' does not apply to debug=0 (a pprof profile): drop format=json")
        }
        if debug == 0, view == .leaks {
            throw InvalidParameter(parameter: "view", message: "parameter 'view' does not apply to debug=0 (a pprof profile): drop view=\(view)")
        }
    }

    /// A query parameter whose value the profile cannot take (an HTTP caller answers 400).
    public struct InvalidParameter: Error, Sendable, Equatable {
        /// The parameter's name.
        public let parameter: String
        /// A sentence naming the parameter, the value (cut at 64 characters) and what fits.
        public let message: String
    }

    static func invalid(_ parameter: String, _ value: String, expected: String) -> InvalidParameter {
        let shown = value.count > 64 ? String(value.prefix(64)) + "…" : value
        return InvalidParameter(parameter: parameter,
                                message: "invalid value \"\(shown)\" for parameter '\(parameter)': expected \(expected)")
    }

    /// `500ms`, `1.5s`, `2m`, `1h`, or a plain number of seconds; never negative.
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        // Double() would also take "inf", "nan", "0x1p3" and exponents: allow digits and one dot.
        guard !number.isEmpty, number.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }),
              number.filter({ $0 == "." }).count <= 1, number != ".",
              let value = Double(number) else { return nil }
        let seconds = value * scale
        guard seconds.isFinite, seconds <= 1e9 else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
