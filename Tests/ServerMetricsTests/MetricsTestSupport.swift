@testable import ServerMetrics
import Prometheus

/// A rendered exposition, split into what tests ask about.
struct RenderedMetrics {
    let text: String

    init(_ bytes: [UInt8]) {
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    /// Renders `registry` and `metrics` with no task or connection figures.
    init(registry: PrometheusCollectorRegistry, metrics: HTTPMetrics) {
        self.init(MetricsExposition(registry: registry, httpMetrics: [metrics]).render(tasks: [], spawned: [], connections: []))
    }

    var lines: [Substring] { text.split(separator: "\n") }

    /// The value of the sample whose name and labels are exactly `series`,
    /// e.g. `http_requests_in_flight` or `x_total{a="b"}`.
    func value(_ series: String) -> String? {
        for line in lines where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            if line[..<space] == series { return String(line[line.index(after: space)...]) }
        }
        return nil
    }

    /// The names declared by `# TYPE` lines, in order.
    var families: [String] {
        lines.filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
    }
}
