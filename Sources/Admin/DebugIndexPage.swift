import Logging
import StructuredLogging
import Server
import ServerMetrics
import TaskRegistry
/// `/debug/`: an index of the debug endpoints with current counts, like Go's /debug/pprof/.
enum DebugIndexPage {
    static func html(_ diagnostics: Diagnostics) -> String {
        let live = diagnostics.registry.liveCount
        let connections = diagnostics.connections().reduce(0) { $0 + $1.count }
        let stalled = diagnostics.loopHealth().loops.filter { $0.currentStall != nil }.count
        let rows: [(String, String, String)] = [
            ("/debug/tasks?debug=1", "\(live)", "live tasks grouped by creation site, state and labels (like goroutine?debug=1)"),
            ("/debug/tasks?debug=2", "\(live)", "every live task with its id, parent, state, wait reason, age and site"),
            ("/debug/tasks?format=json", "\(live)", "the same as JSON"),
            ("/debug/tasks?debug=0", "\(live)", "the groups as a gzipped pprof profile, for go tool pprof (like goroutine?debug=0)"),
            ("/debug/tasks?seconds=10", "", "tasks created in the next 10 s that are still alive at its end (the leak delta)"),
            ("/debug/tasks?view=leaks", "", "tasks waiting longer than the leak threshold, grouped by site"),
            ("/debug/vars", "", "threads, loops, connections, memory, fds, uptime and version as JSON"),
            ("/debug/loops", stalled == 0 ? "" : "\(stalled) stalled",
             "event loops: iteration length and timer lag, current and recent stalls with their requests, as JSON"),
            ("/debug/routes", "\(diagnostics.routes.count)", "the public route templates and their methods, as JSON (the metrics' route labels)"),
            ("/debug/faults", "", "fault modes and their state (POST to change)"),
            ("/debug/dependencies", "", "the stand-in dependencies' latencies, failure rates and cache TTL (POST to change, POST /debug/dependencies/reset to restore)"),
            ("/debug/loggers", diagnostics.logLevel.level.rawValue, "the log level (POST {\"level\":\"debug\"} to change it at once)"),
            ("/metrics", "\(connections) conns", "Prometheus metrics"),
        ]
        var html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>orders /debug/</title>
            <style>body{font-family:sans-serif;margin:2em}td{padding:.2em 1em}td.n{text-align:right}</style></head>
            <body><h1>orders /debug/</h1><p>version \(escape(diagnostics.version))</p><table>
            <tr><th>count</th><th>endpoint</th><th>what</th></tr>

            """
        for (path, count, what) in rows {
            html += "<tr><td class=n>\(escape(count))</td><td><a href=\"\(escape(path))\">\(escape(path))</a></td><td>\(escape(what))</td></tr>\n"
        }
        html += "</table></body></html>\n"
        return html
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
