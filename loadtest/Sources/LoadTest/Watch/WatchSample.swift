import Foundation

/// One reading of the admin port: live tasks by group from `/debug/tasks?format=json`, and
/// the counters the watcher follows from `/metrics`.
public struct WatchSample: Sendable, Equatable {
    /// Seconds since the watcher started.
    public var time: Double
    /// Live tasks in all.
    public var totalTasks: Int
    /// Live tasks per (site, name), summed over states and wait reasons.
    public var groups: [TaskGroupKey: Int]
    /// Responses with a 5xx code so far (sum of http_request_duration_seconds_count).
    public var serverErrors: Double
    /// http_recovered_panics_total so far, over every route and error.
    public var recoveredPanics: Double
    /// Per route, the cumulative bucket counts of http_request_duration_seconds (over
    /// methods and codes), as (upper bound, count).
    public var routeBuckets: [String: [Bucket]]
    /// Set when a fetch failed (the other fields are then empty).
    public var error: String?
    /// The server's orphans (`view=orphans`): tasks alive after their request ended. Nil
    /// when the server does not offer the view.
    public var orphans: Orphans?

    /// Orphans by creation site, name and the route of the requests that left them.
    public struct Orphans: Sendable, Equatable {
        /// Live orphans in all.
        public var total: Int
        /// By creation site, name and route, largest first.
        public var groups: [Group]

        /// Orphans with one creation site and task name, left by requests to one route.
        public struct Group: Sendable, Equatable, Codable {
            /// `file:line`, as /debug/tasks reports it.
            public var site: String
            /// The task name.
            public var name: String
            /// The route of the requests that left them.
            public var route: String
            /// How many.
            public var count: Int

            /// A group with these values.

            public init(site: String, name: String, route: String, count: Int) {
                self.site = site
                self.name = name
                self.route = route
                self.count = count
            }
        }

        /// Orphans with these figures.
        public init(total: Int, groups: [Group]) {
            self.total = total
            self.groups = groups
        }

        /// Parses `/debug/tasks?view=orphans&format=json`.
        public init(json: [UInt8]) throws {
            let view = try JSONDecoder().decode(OrphanViewJSON.self, from: Data(json))
            total = view.total
            groups = view.groups.compactMap { group in
                group.sites.first.map { Group(site: $0.site, name: $0.name, route: group.route, count: group.count) }
            }
        }
    }

    /// The orphan view's JSON, as far as the watcher reads it.
    struct OrphanViewJSON: Decodable {
        var total: Int
        var groups: [Group]
        struct Group: Decodable {
            var count: Int
            var route: String
            var requestID: String?
            var sites: [Site]
            enum CodingKeys: String, CodingKey {
                case count, route, sites
                case requestID = "request_id"
            }
        }
        struct Site: Decodable {
            var site: String
            var name: String
        }
    }

    /// One cumulative histogram bucket.
    public struct Bucket: Sendable, Equatable {
        public var upperBound: Double
        public var count: Double
        public init(upperBound: Double, count: Double) {
            self.upperBound = upperBound
            self.count = count
        }
    }

    public init(time: Double, totalTasks: Int = 0, groups: [TaskGroupKey: Int] = [:], serverErrors: Double = 0,
                recoveredPanics: Double = 0, routeBuckets: [String: [Bucket]] = [:], error: String? = nil) {
        self.time = time
        self.totalTasks = totalTasks
        self.groups = groups
        self.serverErrors = serverErrors
        self.recoveredPanics = recoveredPanics
        self.routeBuckets = routeBuckets
        self.error = error
    }

    /// Builds a sample from the two bodies.
    public init(time: Double, tasksJSON: [UInt8], metricsText: String) throws {
        self.init(time: time)
        let profile = try JSONDecoder().decode(TaskProfileJSON.self, from: Data(tasksJSON))
        totalTasks = profile.total
        for group in profile.groups ?? [] {
            groups[TaskGroupKey(site: group.site, name: group.name), default: 0] += group.count
        }
        let metrics = PrometheusText(metricsText)
        serverErrors = metrics.sum("http_request_duration_seconds_count") { ($0["code"] ?? "").hasPrefix("5") }
        recoveredPanics = metrics.sum("http_recovered_panics_total")
        var buckets: [String: [Double: Double]] = [:]
        for sample in metrics.samples where sample.name == "http_request_duration_seconds_bucket" {
            guard let route = sample.labels["route"], let le = sample.labels["le"] else { continue }
            let bound = le == "+Inf" ? Double.infinity : (Double(le) ?? .nan)
            guard !bound.isNaN else { continue }
            buckets[route, default: [:]][bound, default: 0] += sample.value
        }
        routeBuckets = buckets.mapValues { byBound in
            byBound.sorted { $0.key < $1.key }.map { Bucket(upperBound: $0.key, count: $0.value) }
        }
    }

    /// The `debug=1` JSON of /debug/tasks, as far as the watcher reads it.
    struct TaskProfileJSON: Decodable {
        var total: Int
        var groups: [Group]?
        struct Group: Decodable {
            var count: Int
            var name: String
            var site: String
        }
    }
}
