import Server
import StructuredLogging

/// `/debug/loops`: the public server's event loops as JSON, one object per loop.
///
///     {"stall_threshold_ms":100,"loops":[{"index":0,"stalled":false,"stalled_for_ms":0,
///       "current_stall":null,"stalls_total":1,
///       "iterations":{"count":5120,"sum_seconds":0.21,"mean_seconds":0.00004,"p50_seconds":…,"p99_seconds":…},
///       "lag":{…},
///       "recent_stalls":[{"started_at":"2026-12-06T20:41:07.123Z","duration_ms":200.214,
///                         "route":"/plaintext","request_id":"abc"}]}]}
///
/// A stall is one iteration that lasted `stall_threshold_ms` or longer; `recent_stalls`
/// lists the last 64 that ended, newest first. `route` and `request_id` are `null` when
/// the loop ran no request it named, or when the stall ended before the watchdog looked.
/// Quantiles are estimated from the histogram's buckets, as `histogram_quantile` does.
enum DebugLoops {
    static func json(_ report: LoopHealthReport) -> [UInt8] {
        var out: [UInt8] = []
        func raw(_ text: String) { out.append(contentsOf: text.utf8) }
        func string(_ text: String?) {
            if let text { JSONErrorBody.appendString(text, to: &out) } else { raw("null") }
        }
        raw(#"{"stall_threshold_ms":"#)
        raw(report.stallThreshold.map(milliseconds) ?? "null")
        raw(#","loops":["#)
        for (position, loop) in report.loops.enumerated() {
            if position > 0 { raw(",") }
            raw(#"{"index":\#(loop.index),"stalled":\#(loop.currentStall != nil),"#)
            raw(#""stalled_for_ms":\#(milliseconds(loop.currentStall?.duration ?? .zero)),"current_stall":"#)
            if let stall = loop.currentStall {
                raw(#"{"started_at":"#); string(timestamp(stall.startedAtUnixNanoseconds))
                raw(#","stalled_for_ms":\#(milliseconds(stall.duration)),"route":"#); string(stall.request?.route)
                raw(#","request_id":"#); string(stall.request?.requestID)
                raw("}")
            } else {
                raw("null")
            }
            raw(#","stalls_total":\#(loop.stallCount),"iterations":"#)
            summary(loop.iterations, into: &out)
            raw(#","lag":"#)
            summary(loop.lag, into: &out)
            raw(#","recent_stalls":["#)
            for (index, stall) in loop.recentStalls.enumerated() {
                if index > 0 { raw(",") }
                raw(#"{"started_at":"#); string(timestamp(stall.startedAtUnixNanoseconds))
                raw(#","duration_ms":\#(milliseconds(stall.duration)),"route":"#); string(stall.request?.route)
                raw(#","request_id":"#); string(stall.request?.requestID)
                raw("}")
            }
            raw("]}")
        }
        raw("]}\n")
        return out
    }

    /// Count, sum, mean and two quantiles of a histogram, in seconds.
    static func summary(_ histogram: LoopHistogram, into out: inout [UInt8]) {
        let count = histogram.count
        let sum = Int64(clamping: histogram.sumNanoseconds)
        func number(_ seconds: Double?) -> String {
            seconds.map { self.seconds(nanoseconds: Int64($0 * 1e9)) } ?? "null"
        }
        out.append(contentsOf: #"{"count":\#(count),"sum_seconds":\#(seconds(nanoseconds: sum)),"#.utf8)
        out.append(contentsOf: #""mean_seconds":\#(count == 0 ? "null" : seconds(nanoseconds: sum / Int64(count))),"#.utf8)
        out.append(contentsOf: #""p50_seconds":\#(number(histogram.quantileSeconds(0.5))),"#.utf8)
        out.append(contentsOf: #""p99_seconds":\#(number(histogram.quantileSeconds(0.99)))}"#.utf8)
    }

    /// Whole nanoseconds as decimal seconds: "0.000042", "1.5", "0".
    static func seconds(nanoseconds: Int64) -> String {
        let value = max(0, nanoseconds)
        let fraction = value % 1_000_000_000
        guard fraction != 0 else { return "\(value / 1_000_000_000)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "\(value / 1_000_000_000).\(digits)"
    }

    /// Milliseconds with microseconds: "200.214", "100".
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micro = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = micro % 1000
        guard fraction != 0 else { return "\(micro / 1000)" }
        let digits = String(fraction)
        return "\(micro / 1000)." + String(repeating: "0", count: 3 - digits.count) + digits
    }

    /// RFC 3339 in UTC with milliseconds, as the JSON log lines write it.
    static func timestamp(_ unixNanoseconds: Int64) -> String {
        let milliseconds = unixNanoseconds / 1_000_000
        return JSONLogHandler.timestamp(seconds: Int(milliseconds / 1000), milliseconds: Int(milliseconds % 1000))
    }
}
