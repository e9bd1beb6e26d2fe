/// A writer for the Prometheus text exposition format 0.0.4, for the families that are
/// computed at scrape time rather than kept in the registry.
struct PrometheusText {
    enum MetricType: String {
        case counter, gauge
    }

    var bytes: [UInt8] = []
    /// Writes exemplars on histogram buckets (OpenMetrics only; 0.0.4 has none).
    var openMetrics = false
    /// Families already in ``bytes``, to keep each name to one family.
    private(set) var families: Set<String> = []

    /// Records the families that the bytes written so far declare with `# TYPE`.
    mutating func noteExistingFamilies() {
        let prefix = Array("# TYPE ".utf8)
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: prefix) {
            let rest = line.dropFirst(prefix.count)
            let name = rest.prefix { $0 != UInt8(ascii: " ") }
            families.insert(String(decoding: name, as: UTF8.self))
        }
    }

    /// Appends a family of one unlabelled sample.
    mutating func family(_ name: String, type: MetricType, help: String, value: Double) {
        family(name, type: type, help: help, samples: [([], value)])
    }

    /// Appends a family: `# HELP`, `# TYPE`, then its samples sorted by label values, with
    /// samples of equal label sets added together. A family without samples, or one whose
    /// name was written before, is left out.
    mutating func family(_ name: String, type: MetricType, help: String, samples: [([(String, String)], Double)]) {
        guard !samples.isEmpty, families.insert(name).inserted else { return }

        // Keyed by the label names and values in turn: [name, value, name, value, ...].
        var merged: [[String]: Double] = [:]
        for (labels, value) in samples {
            merged[labels.flatMap { [$0.0, $0.1] }, default: 0] += value
        }

        appendHeader(name, type: type.rawValue, help: help)
        for (key, value) in merged.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let labels = stride(from: 0, to: key.count, by: 2).map { (key[$0], key[$0 + 1]) }
            appendSample(name, labels: labels, value: Self.format(value))
        }
    }

    /// Appends a histogram family. Each series gives cumulative counts for `upperBounds`
    /// followed by the `+Inf` count, which is also written as `_count`.
    mutating func histogramFamily(
        _ name: String, help: String, upperBounds: [String], series: [HistogramSnapshot]
    ) {
        guard !series.isEmpty, families.insert(name).inserted else { return }
        appendHeader(name, type: "histogram", help: help)
        let sorted = series.sorted { lhs, rhs in
            lhs.labels.map(\.1).lexicographicallyPrecedes(rhs.labels.map(\.1))
        }
        for series in sorted {
            for (index, count) in series.cumulative.enumerated() {
                let bound = index < upperBounds.count ? upperBounds[index] : "+Inf"
                appendSample(name + "_bucket", labels: series.labels + [("le", bound)], value: String(count),
                             exemplar: openMetrics ? series.exemplars[index] : nil)
            }
            appendSample(name + "_sum", labels: series.labels, value: Self.format(series.sumSeconds))
            appendSample(name + "_count", labels: series.labels, value: String(series.cumulative.last ?? 0))
        }
    }

    /// A whole number of nanoseconds as exact decimal seconds: `0.00025`, `1`, `2.5`.
    static func seconds(nanoseconds: Int64) -> String {
        let whole = String(nanoseconds / 1_000_000_000)
        var fraction = String(nanoseconds % 1_000_000_000)
        guard fraction != "0" else { return whole }
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return whole + "." + fraction
    }

    private mutating func appendHeader(_ name: String, type: String, help: String) {
        append("# HELP ")
        append(name)
        append(" ")
        appendEscaped(help, escapingQuotes: false)
        append("\n# TYPE ")
        append(name)
        append(" ")
        append(type)
        append("\n")
    }

    private mutating func appendSample(_ name: String, labels: [(String, String)], value: String,
                                       exemplar: HistogramExemplar? = nil) {
        append(name)
        if !labels.isEmpty {
            append("{")
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { append(",") }
                append(label)
                append("=\"")
                appendEscaped(labelValue, escapingQuotes: true)
                append("\"")
            }
            append("}")
        }
        append(" ")
        append(value)
        if let exemplar {
            // OpenMetrics 1.0: ` # {labels} value timestamp` after the sample.
            append(" # {trace_id=\"")
            append(exemplar.trace.traceID)
            append("\",span_id=\"")
            append(exemplar.trace.spanID)
            append("\"} ")
            append(Self.format(exemplar.seconds))
            append(" ")
            append(Self.format(exemplar.unixSeconds))
        }
        append("\n")
    }

    /// A sample value as the format spells it: integers without a fraction, and `+Inf`,
    /// `-Inf`, `NaN` as Go's parser expects them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        // Exactly representable integers print as integers; larger values keep the exponent.
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return value.description
    }

    private mutating func append(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    /// Label values escape backslash, double quote and line feed; help texts escape only
    /// backslash and line feed.
    mutating func appendEscaped(_ string: String, escapingQuotes: Bool) {
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append(#"\\"#)
            case UInt8(ascii: "\n"): append(#"\n"#)
            case UInt8(ascii: "\"") where escapingQuotes: append(#"\""#)
            default: bytes.append(byte)
            }
        }
    }
}
