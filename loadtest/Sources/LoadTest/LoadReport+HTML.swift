extension LoadReport {
    /// Colours of the status classes and of errors in the status chart.
    static let statusColors: [(label: String, color: String, range: ClosedRange<Int>)] = [
        ("1xx", "#9aa5b1", 100...199), ("2xx", "#2f9e44", 200...299), ("3xx", "#1c7ed6", 300...399),
        ("4xx", "#f08c00", 400...499), ("5xx", "#e03131", 500...599),
    ]

    /// A self-contained page (inline CSS and SVG, no scripts): the summary, then latency
    /// percentiles, req/s and status codes over time, and the watcher's task counts.
    public var html: String {
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <title>loadtest \(HTML.escape(target.url))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:800px;color:#212529}
            h1{font-size:20px} h2{font-size:16px;margin-top:28px}
            pre{background:#f1f3f5;padding:10px;overflow-x:auto;font-size:12px}
            svg{width:100%;height:auto;background:#fff;border:1px solid #dee2e6;margin:6px 0}
            .verdict{font-weight:600} .leak{color:#c92a2a} .ok{color:#2b8a3e}
            \(Self.incidentStyle)
            table.checks{border-collapse:collapse;font-size:12px} .checks td,.checks th{border:1px solid #dee2e6;padding:3px 6px;text-align:left}
            </style></head><body>
            <section id="summary"><h1>loadtest: \(HTML.escape(target.url))</h1>
            <p>Started \(HTML.escape(startedAt)); \(HTML.escape(config.mode)) loop.</p>
            <pre>\(HTML.escape(text))</pre></section>

            """
        page += sourcesHTML
        if let watch {
            let leak = watch.verdict.isLeak
            page += #"<section id="verdict"><p class="verdict \#(leak ? "leak" : "ok")">Watcher: \#(HTML.escape(watch.verdict.summary))</p></section>"#
            page += "\n"
        }
        page += serverThresholdsSection
        page += checksHTML
        page += #"<section id="client-latency"><h2>Latency percentiles per second</h2>"# + "\n" + latencyChart.svg + "</section>\n"
        page += #"<section id="client-throughput"><h2>Responses per second</h2>"# + "\n" + (hasTargets ? targetChart : throughputChart).svg + "</section>\n"
        page += #"<section id="client-status"><h2>Status codes and errors per second</h2>"# + "\n" + statusChart.svg + "</section>\n"
        if let chart = watchChart {
            page += #"<section id="server-tasks"><h2>Live tasks on the server (watcher, \#(HTML.escape(watch?.admin ?? "")))</h2>"#
                + "\n" + chart.svg + "</section>\n"
        }
        page += serverViewSections
        page += slowestRequestsSection
        page += """
            <p>Seconds count from the start of sending; a request belongs to the second in which it finished.
            Written by <code>loadtest --html</code>; the same numbers are in <code>--json</code> (<code>timeline</code>, <code>watch.rows</code>).</p>
            </body></html>

            """
        return page
    }

    var latencyChart: SVGChart {
        func series(_ name: String, _ color: String, dashed: Bool = false, _ value: (Timeline.Point.Percentiles) -> Double) -> SVGChart.Series {
            SVGChart.Series(name: name, color: color,
                            points: timeline.compactMap { point in point.latencyMS.map { (Double(point.second) + 0.5, value($0)) } },
                            dashed: dashed)
        }
        return SVGChart(title: "Latency (ms)", yLabel: "ms", kind: .lines, series: [
            series("p50", "#2f9e44") { $0.p50 },
            series("p90", "#1c7ed6") { $0.p90 },
            series("p99", "#e03131") { $0.p99 },
            series("max", "#868e96", dashed: true) { $0.max },
        ])
    }

    var throughputChart: SVGChart {
        SVGChart(title: "Responses per second", yLabel: "req/s", kind: .stackedBars, series: [
            SVGChart.Series(name: "responses", color: "#4c6ef5",
                            points: timeline.map { (Double($0.second), Double($0.responses)) }),
        ])
    }

    var statusChart: SVGChart {
        var layers = Self.statusColors.map { status in
            SVGChart.Series(name: status.label, color: status.color, points: timeline.map { point in
                let count = point.statusCounts.reduce(0) { sum, entry in
                    sum + (Int(entry.key).map { status.range.contains($0) } == true ? entry.value : 0)
                }
                return (Double(point.second), Double(count))
            })
        }
        layers.append(SVGChart.Series(name: "errors", color: "#000000",
                                      points: timeline.map { (Double($0.second), Double($0.errors)) }))
        // Only the classes that occurred get a legend entry.
        return SVGChart(title: "Status codes per second", yLabel: "responses", kind: .stackedBars,
                        series: layers.filter { $0.points.contains { $0.y > 0 } })
    }

    /// Total live tasks and the leaking (or largest) group, on the load's clock.
    var watchChart: SVGChart? {
        guard let watch, !watch.rows.isEmpty else { return nil }
        let offset = (watch.loadStartSeconds ?? 0) + 0.1
        let good = watch.rows.filter { $0.error == nil }
        var series = [SVGChart.Series(name: "total tasks", color: "#495057",
                                      points: good.map { ($0.time - offset, Double($0.totalTasks)) })]
        if let leak = watch.verdict.leaks.first {
            // The leaking group's size is known only when it was the row's top group.
            let points = good.compactMap { row in row.topGroup == leak.group ? (row.time - offset, Double(row.topGroupCount)) : nil }
            series.append(SVGChart.Series(name: "\(leak.group.name) (leaking)", color: "#e03131", points: points))
        }
        let loadEnd = max(elapsedSeconds, 0)
        return SVGChart(title: "Live tasks (watcher)", yLabel: "tasks", kind: .lines, series: series,
                        bands: [(from: 0, to: loadEnd, label: "load")])
    }
}
