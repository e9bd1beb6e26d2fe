import ArgumentParser
import LoadTest

/// Limits judged from the server's own figures (the watcher's samples): a crossed one stops
/// sending at once and the run exits 4.
struct ServerThresholdOptions: ParsableArguments {
    @Flag(help: "With --watch: stop sending as soon as the watcher sees a leak (new orphans on the server, or a task group that keeps growing); exit 4.")
    var abortOnLeak = false

    @Option(name: .customLong("max-server-p99"),
            help: ArgumentHelp("With --watch: stop (exit 4) when the server's p99 on ROUTE over one sample interval is above DURATION, e.g. /api/v1/order/map=50ms (repeatable; ROUTE is a route template the server serves).",
                               valueName: "ROUTE=DURATION"))
    var maxServerP99: [String] = []

    @Option(name: .customLong("max-server-5xx-rate"),
            help: ArgumentHelp("With --watch: stop (exit 4) when the fraction of the server's responses that are 5xx, over one sample interval, is above FRACTION (0...1).",
                               valueName: "FRACTION"))
    var maxServer5xxRate: String?

    /// The limits, or nil when none is given; a malformed value or a limit without
    /// `--watch` is a usage error (exit 64).
    func limits(watching: Bool) throws -> ServerThresholds? {
        var limits = ServerThresholds(abortOnLeak: abortOnLeak)
        do {
            for text in maxServerP99 {
                let (route, milliseconds) = try ServerThresholds.parseRouteP99(text)
                limits.maxRouteP99MS[route] = milliseconds
            }
            if let maxServer5xxRate { limits.maxServerErrorRate = try ServerThresholds.parseFraction(maxServer5xxRate) }
        } catch {
            throw ValidationError(error.description)
        }
        if limits.isEmpty { return nil }
        guard watching else {
            throw ValidationError("--abort-on-leak, --max-server-p99 and --max-server-5xx-rate are judged from the watcher's samples: they need --watch")
        }
        return limits
    }

    /// Refuses (exit 64) a `--max-server-p99` route the server does not serve, before
    /// anything is sent.
    func checkRoutes(of limits: ServerThresholds, client: AdminClient) throws {
        guard !limits.maxRouteP99MS.isEmpty else { return }
        let served: (routes: Set<String>, source: String)
        do { served = try ServerRoutes.read(from: client) } catch {
            throw ValidationError("--max-server-p99: cannot read the server's routes from \(client.target.authority): \(error)")
        }
        let unknown = limits.unknownRoutes(served: served.routes)
        guard unknown.isEmpty else {
            throw ValidationError("--max-server-p99: the server does not serve \(unknown.joined(separator: ", ")) "
                + "(routes from \(served.source): \(served.routes.sorted().joined(separator: ", ")))")
        }
    }
}
