extension LoadReport {
    /// The HTML page's checks table: per entry with `expect`, its status counts beside
    /// its check failures and the first failure in words. Empty without checks.
    var checksHTML: String {
        let entries = byRequest.filter { $0.checks != nil }
        guard let total = checks, !entries.isEmpty else { return "" }
        var html = "<h2>Checks</h2>\n<p>\(total.failed) of \(total.checked) checked responses failed"
            + " (rate \(total.failureRate.formatted(digits: 4))).</p>\n"
            + "<table class=\"checks\"><tr><th>entry</th><th>status counts</th><th>failed / checked</th>"
            + "<th>failures by check</th><th>first failure</th></tr>\n"
        for entry in entries {
            guard let checks = entry.checks else { continue }
            let statuses = entry.statusCounts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let byCheck = checks.byCheck.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            html += "<tr class=\"\(checks.failed > 0 ? "leak" : "ok")\"><td>\(HTML.escape(entry.name))</td>"
                + "<td>\(HTML.escape(statuses))</td><td>\(checks.failed) / \(checks.checked)</td>"
                + "<td>\(HTML.escape(byCheck))</td><td>\(HTML.escape(checks.firstFailure ?? ""))</td></tr>\n"
        }
        return html + "</table>\n"
    }
}
