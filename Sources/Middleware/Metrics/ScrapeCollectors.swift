import Prometheus
import Synchronization

/// Something that renders families at scrape time, beside a registry's own metrics.
protocol ScrapeCollector: AnyObject, Sendable {
    /// Appends whole families (`# HELP`, `# TYPE`, samples).
    func collect(into text: inout PrometheusText)
}

/// Collectors attached to a `PrometheusCollectorRegistry`, which has no hook for metrics of
/// its own kinds.
///
/// This lets ``HTTPMetrics`` keep a lock-free histogram and still be scraped by any
/// ``MetricsExposition`` made for the same registry, with nothing more to wire. Registries
/// are held weakly: attaching to a registry that is later freed leaks nothing.
enum ScrapeCollectors {
    private struct Entry: Sendable {
        weak var registry: PrometheusCollectorRegistry?
        let collector: any ScrapeCollector
    }

    private static let entries = Mutex<[Entry]>([])

    static func attach(_ collector: any ScrapeCollector, to registry: PrometheusCollectorRegistry) {
        entries.withLock { entries in
            entries.removeAll { $0.registry == nil }
            entries.append(Entry(registry: registry, collector: collector))
        }
    }

    static func collectors(for registry: PrometheusCollectorRegistry) -> [any ScrapeCollector] {
        entries.withLock { entries in
            entries.compactMap { $0.registry === registry ? $0.collector : nil }
        }
    }
}
