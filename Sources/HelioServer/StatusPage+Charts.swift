import Foundation
import HelioOps

/// The status page's charts of the last hour: throughput, lag and the WAL the slot retains.
/// A line appears only for a service this process runs.
extension StatusPage {
    static let captureColour = "#1f77b4"
    static let applyColour = "#d62728"

    static func charts(_ services: [String: HealthState.Service], timeline: StatusTimeline?, now: Date) -> String {
        let end = now.timeIntervalSince1970
        let capture = services["capture"] != nil
        let apply = services["apply"] != nil
        func line(_ present: Bool, _ label: String, _ colour: String, dashed: Bool = false, _ points: (StatusTimeline) -> [ChartPoint]) -> [SVGChart.Line] {
            present ? [SVGChart.Line(label: label, points: timeline.map(points) ?? [], colour: colour, dashed: dashed)] : []
        }
        var charts = [
            SVGChart(id: "chart-throughput", title: "Throughput, changes a second",
                     lines: line(capture, "captured", captureColour) { $0.rates(service: "capture", figure: StatusTimeline.tableChanges) }
                         + line(apply, "applied", applyColour) { $0.rates(service: "apply", figure: StatusTimeline.tableChanges) },
                     end: end, format: perSecond),
            SVGChart(id: "chart-lag", title: "Lag behind the source commit",
                     lines: line(capture, "commit → Kafka", captureColour, dashed: true) { $0.values(service: "capture", figure: "commit_to_publish_seconds") }
                         + line(apply, "commit → warehouse", applyColour) { $0.values(service: "apply", figure: "commit_to_apply_seconds") },
                     end: end, format: seconds),
        ]
        if capture {
            charts.append(SVGChart(id: "chart-retained-wal", title: "WAL retained by the slot",
                                   lines: line(capture, "slot", captureColour) { $0.values(service: "capture", figure: "slot_retained_wal_bytes") },
                                   end: end, format: bytes, roundTo: SVGChart.roundUpBytes))
        }
        return "<div class=\"charts\">\n\(charts.map { $0.render() }.joined(separator: "\n"))\n</div>"
    }

    /// "12.5/s", "480/s", "21k/s".
    static func perSecond(_ value: Double) -> String {
        if value >= 10_000 { return String(format: "%.0fk/s", value / 1000) }
        return String(format: value < 10 && value != value.rounded() ? "%.1f/s" : "%.0f/s", value)
    }
}
