#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension LoadReport {
    /// One input of a report rebuilt by `loadtest report`.
    public struct Source: Sendable, Codable, Equatable {
        /// The file as given on the command line.
        public var file: String
        /// "raw" (`--out`) or "json" (`--json`).
        public var kind: String
        /// The generator's host name, when the input names it.
        public var host: String?
        /// ISO 8601, when that generator started sending.
        public var startedAt: String
        /// Requests that finished, as the input counts them (responses and errors).
        public var samples: UInt64

        enum CodingKeys: String, CodingKey {
            case file, kind, host
            case startedAt = "started_at"
            case samples
        }
    }

    /// The inputs of a merged report, as an HTML list (empty for a single run).
    var sourcesHTML: String {
        guard let sources, sources.count > 1 else { return "" }
        let items = sources.map { source in
            "<li><code>\(HTML.escape(source.file))</code> (\(source.kind)\(source.host.map { ", " + HTML.escape($0) } ?? ""), "
                + "started \(HTML.escape(source.startedAt))): \(source.samples) requests</li>"
        }
        return "<p>Merged from \(sources.count) runs, aligned by wall-clock second:</p>\n<ul>\(items.joined())</ul>\n"
    }

    /// This machine's host name (the generator's, in reports and raw files).
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension LoadReport.Target {
    /// The target of a run of `configuration` at `url` (as given on the command line).
    public init(url: String, of configuration: LoadConfiguration) {
        self.init(url: url, host: configuration.target.host, port: configuration.target.port)
    }
}

extension LoadReport.Config {
    /// The report's description of `configuration`.
    public init(_ configuration: LoadConfiguration) {
        self.init(mode: configuration.isOpenLoop ? "open" : "closed", connections: configuration.connections,
                  threads: configuration.threads, pipeline: configuration.pipeline,
                  protocol: configuration.protocolName, streams: configuration.http2 ? configuration.streams : nil,
                  verifyCertificate: configuration.target.tls ? configuration.verifyCertificate : nil,
                  durationSeconds: configuration.duration?.secondsValue, requests: configuration.requests,
                  rate: configuration.rate, timeoutSeconds: configuration.timeout.secondsValue,
                  scenario: configuration.scenarioPath)
        stages = configuration.stages?.report
    }
}
