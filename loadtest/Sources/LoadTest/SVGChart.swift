/// A small line or stacked-bar chart rendered as inline SVG (no scripts, no outside
/// resources), for the HTML report.
struct SVGChart {
    /// One line, or one layer of the stacked bars.
    struct Series {
        var name: String
        var color: String
        /// (x, y) in data units; lines join them in order.
        var points: [(x: Double, y: Double)]
        var dashed = false
    }

    enum Kind { case lines, stackedBars }

    var title: String
    var yLabel: String
    var kind: Kind
    var series: [Series]
    /// Shaded x ranges with a caption (the load phase in the watcher's chart).
    var bands: [(from: Double, to: Double, label: String)] = []
    var width = 760.0
    var height = 240.0
    let left = 64.0, right = 16.0, top = 28.0, bottom = 36.0

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    /// The x range: bars are centred on whole seconds.
    var xRange: (Double, Double) {
        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap { [$0.from, $0.to] }
        let low = min(0, xs.min() ?? 0)
        let high = max(low + 1, (xs.max() ?? 1) + (kind == .stackedBars ? 1 : 0))
        return (low, high)
    }

    var yMax: Double {
        switch kind {
        case .lines: return Self.niceCeiling(series.flatMap { $0.points.map(\.y) }.max() ?? 1)
        case .stackedBars:
            var sums: [Double: Double] = [:]
            for layer in series { for point in layer.points { sums[point.x, default: 0] += point.y } }
            return Self.niceCeiling(sums.values.max() ?? 1)
        }
    }

    /// The smallest 1, 2 or 5 times a power of ten at or above `value` (1 for 0).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        var step = 1.0
        while step < value { step *= 10 }
        while step / 10 >= value { step /= 10 }
        for factor in [0.2, 0.5] where step * factor >= value { return step * factor }
        return step
    }

    func x(_ value: Double) -> Double {
        let (low, high) = xRange
        return left + (value - low) / (high - low) * plotWidth
    }

    func y(_ value: Double) -> Double { top + plotHeight - value / yMax * plotHeight }

    var svg: String {
        var out = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(f(width)) \#(f(height))" role="img" aria-label="\#(HTML.escape(title))">"#
        out += "<style>\(Self.style)</style>"
        out += #"<text x="\#(f(left))" y="16" class="title">\#(HTML.escape(title))</text>"#
        for band in bands {
            out += #"<rect x="\#(f(x(band.from)))" y="\#(f(top))" width="\#(f(max(0, x(band.to) - x(band.from))))" height="\#(f(plotHeight))" class="band"/>"#
            out += #"<text x="\#(f(x(band.from) + 4))" y="\#(f(top + 12))" class="bandlabel">\#(HTML.escape(band.label))</text>"#
        }
        // Horizontal grid and y ticks: five steps.
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            out += #"<line x1="\#(f(left))" x2="\#(f(left + plotWidth))" y1="\#(f(y(value)))" y2="\#(f(y(value)))" class="grid"/>"#
            out += #"<text x="\#(f(left - 6))" y="\#(f(y(value) + 4))" class="ytick">\#(Self.tick(value))</text>"#
        }
        let (low, high) = xRange
        let xStep = max(1, Self.niceCeiling((high - low) / 10))
        var tick = (low / xStep).rounded(.up) * xStep
        while tick <= high {
            out += #"<text x="\#(f(x(tick)))" y="\#(f(top + plotHeight + 14))" class="xtick">\#(Self.tick(tick))s</text>"#
            tick += xStep
        }
        out += #"<text x="12" y="\#(f(top + plotHeight / 2))" class="ylabel" transform="rotate(-90 12 \#(f(top + plotHeight / 2)))">\#(HTML.escape(yLabel))</text>"#
        switch kind {
        case .lines: out += lines
        case .stackedBars: out += bars
        }
        out += #"<rect x="\#(f(left))" y="\#(f(top))" width="\#(f(plotWidth))" height="\#(f(plotHeight))" class="frame"/>"#
        out += legend
        return out + "</svg>"
    }

    /// The chart's own style sheet, so that it renders the same outside the page.
    static let style = "text{font:11px sans-serif;fill:#495057}.title{font-weight:600;font-size:12px;fill:#212529}"
        + ".ytick{text-anchor:end}.xtick,.ylabel{text-anchor:middle}.grid{stroke:#e9ecef}"
        + ".frame{fill:none;stroke:#adb5bd}.band{fill:#fff3bf}.bandlabel{fill:#946c00}"

    var lines: String {
        var out = ""
        for line in series where !line.points.isEmpty {
            let path = line.points.map { "\(f(x($0.x))),\(f(y($0.y)))" }.joined(separator: " ")
            out += #"<polyline points="\#(path)" fill="none" stroke="\#(line.color)" stroke-width="1.8"\#(line.dashed ? #" stroke-dasharray="4 3""# : "")><title>\#(HTML.escape(line.name))</title></polyline>"#
            if line.points.count == 1, let point = line.points.first {
                out += #"<circle cx="\#(f(x(point.x)))" cy="\#(f(y(point.y)))" r="2.5" fill="\#(line.color)"/>"#
            }
        }
        return out
    }

    var bars: String {
        var out = ""
        var base: [Double: Double] = [:]
        let barWidth = max(1, x(1) - x(0) - 2)
        for layer in series {
            for point in layer.points where point.y > 0 {
                let bottom = base[point.x, default: 0]
                let top = bottom + point.y
                out += #"<rect x="\#(f(x(point.x) + 1))" y="\#(f(y(top)))" width="\#(f(barWidth))" height="\#(f(y(bottom) - y(top)))" fill="\#(layer.color)"><title>\#(HTML.escape(layer.name)) at \#(Self.tick(point.x))s: \#(Self.tick(point.y))</title></rect>"#
                base[point.x] = top
            }
        }
        return out
    }

    var legend: String {
        var out = ""
        var cursor = left + 220
        for item in series {
            out += #"<rect x="\#(f(cursor))" y="8" width="10" height="10" fill="\#(item.color)"/>"#
            out += #"<text x="\#(f(cursor + 14))" y="17" class="legend">\#(HTML.escape(item.name))</text>"#
            cursor += 24 + Double(item.name.count) * 6.5
        }
        return out
    }

    /// A tick label: whole numbers plainly, others with up to two decimals.
    static func tick(_ value: Double) -> String {
        if value >= 10_000 { return "\((value / 1000).formatted(digits: value >= 100_000 ? 0 : 1))k" }
        if value == value.rounded() { return value.formatted(digits: 0) }
        return value.formatted(digits: value >= 10 ? 1 : 2)
    }

    func f(_ value: Double) -> String { value.formatted(digits: 1) }
}

/// Escaping for text and attribute values.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
