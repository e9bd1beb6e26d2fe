import Server
import ServerMetrics
import TaskRegistry

/// `/debug/vars`: the service's vital figures as one JSON object.
enum DebugVars {
    static func json(_ diagnostics: Diagnostics) -> String {
        let process = ProcessMetrics.snapshot()
        let uptime = ContinuousClock.now - diagnostics.startedAt
        let loops = diagnostics.loops()
        let connections = diagnostics.connections()
        var out: [UInt8] = []
        func key(_ name: String) {
            if out.last != UInt8(ascii: "{") { out.append(UInt8(ascii: ",")) }
            JSONErrorBody.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func raw(_ text: String) { out.append(contentsOf: text.utf8) }
        raw("{")
        key("version"); JSONErrorBody.appendString(diagnostics.version, to: &out)
        key("uptime_seconds"); raw(String(Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18))
        key("tasks"); raw("{")
        key("live"); raw(String(diagnostics.registry.liveCount))
        for gauge in diagnostics.registry.gauges() {
            key("\(gauge.name)/\(gauge.state)"); raw(String(gauge.count))
        }
        raw("}")
        key("threads"); raw(String(process.threads))
        key("loops"); raw("[" + loops.enumerated().map { #"{"index":\#($0.offset),"connections":\#($0.element)}"# }.joined(separator: ",") + "]")
        key("connections"); raw("{")
        for connection in connections { key(connection.proto); raw(String(connection.count)) }
        raw("}")
        key("resident_memory_bytes"); raw(String(process.residentMemoryBytes))
        key("open_fds"); raw(String(process.openFDs))
        key("max_fds"); raw(String(process.maxFDs))
        key("cpu_seconds"); raw(String(process.cpuSeconds))
        raw("}")
        return String(decoding: out, as: UTF8.self)
    }
}
