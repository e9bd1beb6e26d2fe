extension LoadReport {
    /// The section ids of the incident report, in page order (those that apply to a run).
    public var htmlSectionIDs: [String] {
        var ids = ["summary"]
        if watch != nil { ids.append("verdict") }
        if serverThresholds != nil { ids.append("server-thresholds") }
        ids += ["client-latency", "client-throughput", "client-status"]
        if watch != nil { ids += ["server-tasks", "server-routes", "server-5xx", "task-snapshots", "orphans"] }
        ids.append("slowest-requests")
        return ids
    }

    /// Styles of the incident sections' tables.
    static let incidentStyle = """
        table{border-collapse:collapse;width:100%;font-size:12px;margin:6px 0}
        th,td{border-bottom:1px solid #dee2e6;padding:3px 6px;text-align:left;vertical-align:top}
        th{background:#f1f3f5} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        code{font-size:12px;word-break:break-all} .muted{color:#868e96}
        .breach{background:#fff5f5;border-left:4px solid #e03131;padding:8px 12px}
        .pass{background:#ebfbee;border-left:4px solid #2f9e44;padding:8px 12px}
        tr.kept td{color:#c92a2a;font-weight:600} details{margin:4px 0} summary{cursor:default}
        """

    /// The run's stop reason, when server-side limits were set.
    var serverThresholdsSection: String {
        guard let serverThresholds else { return "" }
        var out = #"<section id="server-thresholds"><h2>Server-side thresholds</h2>"#
        if let breach = serverThresholds.breach {
            out += #"<p class="breach"><strong>Stopped early (exit 4):</strong> \#(HTML.escape(breach.summary)).<br>"#
            out += "Limit <code>\(HTML.escape(breach.threshold))</code>; observed \(HTML.escape(Self.observedText(breach)))"
            out += " at \(breach.loadSeconds.formatted(digits: 1)) s of the load"
            if let after = serverThresholds.stoppedAfterSeconds { out += "; sending stopped \(after.formatted(digits: 2)) s after the watcher saw it" }
            out += ".</p>"
        } else {
            out += #"<p class="pass">No server-side limit was crossed.</p>"#
        }
        let limits = serverThresholds.limits
        var items: [String] = []
        if limits.abortOnLeak { items.append("<code>--abort-on-leak</code>") }
        for (route, limit) in limits.maxRouteP99MS.sorted(by: { $0.key < $1.key }) {
            items.append("<code>--max-server-p99 \(HTML.escape(route))=\(ServerThresholds.durationText(milliseconds: limit))</code>")
        }
        if let rate = limits.maxServerErrorRate { items.append("<code>--max-server-5xx-rate \(rate.formatted(digits: 4))</code>") }
        out += "<p>Limits: " + items.joined(separator: ", ") + "</p></section>\n"
        return out
    }

    static func observedText(_ breach: ServerThresholdBreach) -> String {
        switch breach.kind {
        case "server_p99": "p99 \(breach.observed.formatted(digits: 3)) ms"
        case "server_5xx_rate": "5xx fraction \(breach.observed.formatted(digits: 4))"
        default: "\(Int(breach.observed)) leaked tasks"
        }
    }

    /// The server's per-route p99 and 5xx/s, the task snapshots and the orphans.
    var serverViewSections: String {
        guard let watch else { return "" }
        let view = incident?.server
        let timeline = view?.timeline ?? []
        let bands = [(from: 0.0, to: max(elapsedSeconds, 0), label: "load")]
        let palette = ["#1c7ed6", "#e03131", "#2f9e44", "#f08c00", "#7048e8", "#0c8599", "#d6336c", "#5c940d"]
        let routes = Set(timeline.flatMap(\.routeP99MS.keys)).sorted()
        // The chart's one-line legend has room for three route names; more are numbered and
        // listed under it.
        let numbered = routes.count > 3
        let routeSeries = routes.enumerated().map { index, route in
            SVGChart.Series(name: numbered ? "\(index + 1)" : route, color: palette[index % palette.count],
                            points: timeline.compactMap { point in point.routeP99MS[route].map { (point.second, $0) } })
        }
        var out = #"<section id="server-routes"><h2>Server p99 per route (watcher, per sample interval)</h2>"#
        out += SVGChart(title: "Server p99 by route (ms)", yLabel: "ms", kind: .lines, series: routeSeries, bands: bands).svg
        if routes.isEmpty { out += #"<p class="muted">No route had traffic in a sample interval.</p>"# }
        if numbered {
            out += "<p>" + routes.enumerated().map { index, route in
                #"<span style="color:\#(palette[index % palette.count])">■</span> \#(index + 1): <code>\#(HTML.escape(route))</code>"#
            }.joined(separator: " &nbsp; ") + "</p>"
        }
        out += "</section>\n"
        out += #"<section id="server-5xx"><h2>Server 5xx responses per second (watcher)</h2>"#
        out += SVGChart(title: "Server 5xx/s", yLabel: "5xx/s", kind: .lines, series: [
            SVGChart.Series(name: "5xx/s", color: "#e03131", points: timeline.map { ($0.second, $0.fiveXXPerSecond) }),
        ], bands: bands).svg
        out += "</section>\n"
        out += taskSnapshotsSection(view)
        out += orphansSection(watch.verdict)
        return out
    }

    func taskSnapshotsSection(_ view: IncidentServerView?) -> String {
        var out = #"<section id="task-snapshots"><h2>Task snapshots: baseline, peak, settled</h2>"#
        guard let view, !view.snapshots.isEmpty else {
            return out + #"<p class="muted">No good sample from the admin port.</p></section>"# + "\n"
        }
        out += "<table><tr><th>moment</th><th class=n>second of the load</th><th class=n>live tasks</th><th>largest group</th></tr>"
        for snapshot in view.snapshots {
            let top = snapshot.groups.first.map { "\($0.name) @ \($0.site) (\($0.count))" } ?? ""
            out += "<tr><td>\(snapshot.moment)</td><td class=n>\(snapshot.second.formatted(digits: 1))</td>"
                + "<td class=n>\(snapshot.totalTasks)</td><td><code>\(HTML.escape(top))</code></td></tr>"
        }
        out += "</table>"
        out += "<h3>Groups that grew</h3>"
        if view.changes.isEmpty {
            out += #"<p class="muted">No group grew above its baseline.</p>"#
        } else {
            out += "<table><tr><th>task</th><th>created at</th><th class=n>baseline</th><th class=n>peak</th><th class=n>settled</th><th>came back</th></tr>"
            for change in view.changes.prefix(20) {
                out += "<tr\(change.returned ? "" : #" class="kept""#)><td>\(HTML.escape(change.name))</td><td><code>\(HTML.escape(change.site))</code></td>"
                    + "<td class=n>\(change.baseline)</td><td class=n>\(change.peak)</td><td class=n>\(change.settled)</td>"
                    + "<td>\(change.returned ? "yes" : "no: +\(change.settled - change.baseline)")</td></tr>"
            }
            out += "</table>"
        }
        for snapshot in view.snapshots {
            guard let text = snapshot.text else { continue }
            out += "<details><summary><code>/debug/tasks?debug=1</code> at \(snapshot.moment)</summary><pre>\(HTML.escape(text))</pre></details>"
        }
        return out + "</section>\n"
    }

    func orphansSection(_ verdict: LeakVerdict) -> String {
        var out = #"<section id="orphans"><h2>Orphans (tasks alive after their request ended)</h2>"#
        guard !verdict.orphans.isEmpty else {
            return out + #"<p class="muted">None added by this run (or the server does not list orphans).</p></section>"# + "\n"
        }
        out += "<table><tr><th>task</th><th>created at</th><th>route</th><th class=n>new orphans</th></tr>"
        for group in verdict.orphans {
            out += "<tr><td>\(HTML.escape(group.name))</td><td><code>\(HTML.escape(group.site))</code></td>"
                + "<td><code>\(HTML.escape(group.route))</code></td><td class=n>\(group.count)</td></tr>"
        }
        out += "</table>"
        if !verdict.orphanEntries.isEmpty {
            out += "<table><tr><th>scenario entry (by X-Request-Id prefix)</th><th class=n>orphans</th></tr>"
            for (entry, count) in verdict.orphanEntries.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                out += "<tr><td>\(HTML.escape(entry))</td><td class=n>\(count)</td></tr>"
            }
            out += "</table>"
        }
        return out + "</section>\n"
    }

    var slowestRequestsSection: String {
        let slowest = incident?.slowestRequests ?? []
        var out = #"<section id="slowest-requests"><h2>Slowest requests</h2>"#
        guard !slowest.isEmpty else { return out + #"<p class="muted">No responses.</p></section>"# + "\n" }
        let traced = slowest.contains { $0.traceID != nil }
        out += "<table><tr><th class=n>#</th><th>scenario entry</th><th class=n>status</th><th class=n>latency (ms)</th>"
            + "<th class=n>intended send (s)</th><th>X-Request-Id</th>\(traced ? "<th>trace id</th>" : "")</tr>"
        for (index, request) in slowest.enumerated() {
            out += "<tr><td class=n>\(index + 1)</td><td>\(HTML.escape(request.entry))</td><td class=n>\(request.status)</td>"
                + "<td class=n>\(request.latencyMS.formatted(digits: 3))</td><td class=n>\(request.intendedSendSeconds.formatted(digits: 3))</td>"
                + "<td><code>\(HTML.escape(request.requestID ?? "—"))</code></td>"
                + (traced ? "<td><code>\(HTML.escape(request.traceID ?? "—"))</code></td>" : "") + "</tr>"
        }
        return out + "</table></section>\n"
    }
}
