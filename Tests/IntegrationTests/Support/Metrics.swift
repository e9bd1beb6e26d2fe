import Foundation

/// Reads sample values out of a Prometheus text exposition.
struct MetricsScrape {
    let text: String

    /// The value of the first sample of `name` whose labels include all of `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { continue }
            let matches = labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
            if matches, let number = line.split(separator: " ").last.flatMap({ Double($0) }) { return number }
        }
        return nil
    }

    /// The sum over every sample of `name` whose labels include all of `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { continue }
            guard labels.allSatisfy({ line.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            total += line.split(separator: " ").last.flatMap { Double($0) } ?? 0
        }
        return total
    }

    static func fetch(adminPort: Int) throws -> MetricsScrape {
        let result = try Curl.run(["http://127.0.0.1:\(adminPort)/metrics"])
        return MetricsScrape(text: result.body)
    }
}

extension RawConnection {
    /// Sends `count` GET requests for `path`, pipelined `depth` at a time, and returns the
    /// statuses in order.
    func pipeline(_ paths: [String], depth: Int = 32) throws -> [Int] {
        var statuses: [Int] = []
        var index = 0
        while index < paths.count {
            let batch = paths[index..<min(paths.count, index + depth)]
            try send(batch.map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
            statuses += readResponses(batch.count).map(\.status)
            index += batch.count
        }
        return statuses
    }
}
