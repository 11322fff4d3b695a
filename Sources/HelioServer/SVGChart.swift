import Foundation

/// A point of a chart: seconds since 1970 and a value.
struct ChartPoint: Equatable, Sendable {
    var time: Double
    var value: Double
}

/// A line chart as inline SVG, drawn by the server: no script and nothing fetched from
/// elsewhere, so the page works where the operator endpoint is all that is reachable. The x
/// axis runs from the oldest point (at most `spanSeconds` before `end`, at least a minute) to
/// `end`; the y axis from 0 to a round number at or above the highest value. The legend, with
/// each line's latest value, is HTML beside the SVG, so it wraps on a narrow screen.
struct SVGChart {
    struct Line {
        var label: String
        var points: [ChartPoint]
        var colour: String
        var dashed = false
    }

    var id: String
    var title: String
    var lines: [Line]
    var end: Double
    var spanSeconds: Double = 3600
    /// Axis labels and latest values, e.g. "12 changes/s".
    var format: (Double) -> String
    /// The top of the y axis for the highest value: `roundUp`, or `roundUpBytes` for sizes.
    var roundTo: (Double) -> Double = SVGChart.roundUp

    /// The viewBox; CSS scales it to the page's width, so labels stay legible at 375 px.
    static let width = 400.0
    static let height = 170.0
    static let plot = (left: 58.0, right: 392.0, top: 8.0, bottom: 148.0)

    var start: Double {
        let oldest = lines.compactMap { $0.points.first?.time }.min() ?? end
        return min(max(oldest, end - spanSeconds), end - 60)
    }

    var yMax: Double { roundTo(lines.flatMap { visible($0).map(\.value) }.max() ?? 0) }

    /// 1, 2, 2.5 or 5 times a power of ten, at or above `value`; 1 for nothing to show.
    static func roundUp(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        return [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= value * (1 - 1e-12) } ?? 10 * magnitude
    }

    /// `roundUp` in the binary unit the value is shown in (KiB, MiB, …), so the axis reads
    /// "50 MiB" rather than "47.7 MiB".
    static func roundUpBytes(_ value: Double) -> Double {
        var unit = 1.0
        while value >= unit * 1024 { unit *= 1024 }
        return roundUp(value / unit) * unit
    }

    /// The point's place in the viewBox.
    func position(_ point: ChartPoint) -> (x: Double, y: Double) {
        let plot = Self.plot
        let x = plot.left + (point.time - start) / (end - start) * (plot.right - plot.left)
        let y = plot.bottom - min(max(point.value, 0), yMax) / yMax * (plot.bottom - plot.top)
        return (x, y)
    }

    /// The points inside the time axis.
    func visible(_ line: Line) -> [ChartPoint] { line.points.filter { $0.time >= start && $0.time <= end } }

    func render() -> String {
        let plot = Self.plot
        var svg = "<svg id=\"\(id)\" class=\"chart\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        for fraction in [0.0, 0.5, 1.0] {
            let y = plot.bottom - fraction * (plot.bottom - plot.top)
            svg += "<line x1=\"\(plot.left)\" x2=\"\(plot.right)\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(plot.left - 4)\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(escape(format(fraction * yMax)))</text>"
        }
        let axisY = number(plot.bottom + 16)
        svg += "<text x=\"\(plot.left)\" y=\"\(axisY)\">\(escape(Self.ago(end - start)))</text>"
        svg += "<text x=\"\(number((plot.left + plot.right) / 2))\" y=\"\(axisY)\" text-anchor=\"middle\">\(escape(Self.ago((end - start) / 2)))</text>"
        svg += "<text x=\"\(plot.right)\" y=\"\(axisY)\" text-anchor=\"end\">now</text>"
        let drawn = lines.map { ($0, visible($0)) }.filter { !$0.1.isEmpty }
        if drawn.isEmpty {
            svg += "<text class=\"empty\" x=\"\(number((plot.left + plot.right) / 2))\" y=\"\(number((plot.top + plot.bottom) / 2))\" text-anchor=\"middle\">no data yet</text>"
        }
        for (line, points) in drawn {
            let dash = line.dashed ? " stroke-dasharray=\"5 3\"" : ""
            if points.count == 1, let only = points.first {
                let (x, y) = position(only)
                svg += "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"2.5\" fill=\"\(line.colour)\"/>"
                continue
            }
            let coordinates = points.map { position($0) }.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"1.8\"\(dash) points=\"\(coordinates)\"/>"
        }
        svg += "</svg>"
        let legend = lines.map { line -> String in
            let latest = line.points.last.map { format($0.value) } ?? "—"
            let style = line.dashed ? "dashed" : "solid"
            return "<span class=\"item\"><span class=\"key \(style)\" style=\"border-color:\(line.colour)\"></span>\(escape(line.label)) <strong>\(escape(latest))</strong></span>"
        }.joined(separator: " ")
        return "<figure class=\"chart\"><figcaption>\(escape(title))</figcaption>\(svg)<p class=\"legend\">\(legend)</p></figure>"
    }

    /// "−12 h", "−45 min", "−90 s": how long before `end` a place on the time axis is.
    static func ago(_ seconds: Double) -> String {
        if seconds >= 7_200 { return "−\(Int((seconds / 3_600).rounded())) h" }
        return seconds >= 120 ? "−\(Int((seconds / 60).rounded())) min" : "−\(Int(seconds.rounded())) s"
    }

    private func number(_ value: Double) -> String { String(format: "%.1f", value) }
    private func escape(_ text: String) -> String { StatusPage.escape(text) }
}
