import Foundation
import HelioOps
@testable import HelioServer
import Testing

/// The status page's charts as the server renders them, without a server: the SVG builder's
/// scaling and its empty state, the hour timeline's rates, and the page that holds them.
@Suite("Status page charts")
struct StatusPageChartTests {
    static func chart(_ points: [ChartPoint], end: Double = 1000) -> SVGChart {
        SVGChart(id: "chart-test", title: "test", lines: [.init(label: "capture", points: points, colour: "#000")],
                 end: end, format: { String(format: "%g", $0) })
    }

    @Test("points are scaled into the plot: oldest at the left edge, now at the right, 0 at the bottom, the round maximum at the top")
    func scaling() {
        let chart = Self.chart([ChartPoint(time: 700, value: 0), ChartPoint(time: 850, value: 40), ChartPoint(time: 1000, value: 80)])
        #expect(chart.start == 700 && chart.yMax == 100, "80 rounds up to 100")
        let plot = SVGChart.plot
        #expect(chart.position(ChartPoint(time: 700, value: 0)) == (plot.left, plot.bottom))
        #expect(chart.position(ChartPoint(time: 1000, value: 100)) == (plot.right, plot.top))
        let middle = chart.position(ChartPoint(time: 850, value: 40))
        #expect(abs(middle.x - (plot.left + plot.right) / 2) < 1e-9)
        #expect(abs(middle.y - (plot.bottom - 0.4 * (plot.bottom - plot.top))) < 1e-9)
        let svg = chart.render()
        #expect(svg.contains("points=\"58.0,148.0 225.0,92.0 392.0,36.0\""), "\(svg)")
        #expect(svg.contains(">−5 min<") && svg.contains(">now<") && svg.contains(">100<"), "axis labels: \(svg)")
        #expect(svg.contains("<strong>80</strong>"), "the legend shows the latest value")
    }

    @Test("round maxima, an axis of at least a minute and at most the span, points outside it dropped")
    func axes() {
        #expect([0.0, 0.3, 1, 1.5, 2.2, 7, 10, 4_100, 19_999].map(SVGChart.roundUp) == [1, 0.5, 1, 2, 2.5, 10, 10, 5_000, 20_000])
        let mebibyte = 1_048_576.0
        let sizes: [Double] = [500, 1024, 1025, 48 * mebibyte, 3 * 1024 * mebibyte]
        let rounded: [Double] = [500, 1024, 2048, 50 * mebibyte, 5 * 1024 * mebibyte]
        #expect(sizes.map(SVGChart.roundUpBytes) == rounded, "sizes round in KiB, MiB, GiB")
        #expect(Self.chart([ChartPoint(time: 990, value: 1)]).start == 940, "ten seconds of data still show a minute")
        let long = Self.chart([ChartPoint(time: -9000, value: 500), ChartPoint(time: 0, value: 2), ChartPoint(time: 1000, value: 3)])
        #expect(long.start == 1000 - 3600 && long.yMax == 5, "a point older than the hour neither shows nor sets the scale")
    }

    @Test("no points: an empty chart that says so, no line, no division by zero")
    func empty() {
        let svg = Self.chart([]).render()
        #expect(svg.contains("no data yet") && !svg.contains("<polyline") && !svg.contains("nan"), "\(svg)")
        #expect(svg.contains("<strong>—</strong>"))
        let one = Self.chart([ChartPoint(time: 1000, value: 0)]).render()
        #expect(one.contains("<circle") && !one.contains("<polyline"), "a single point is a dot")
    }

    @Test("the timeline keeps one point per resolution step for an hour; a counter's rate counts from 0 at start and after a reset")
    func timeline() {
        let timeline = StatusTimeline(spanSeconds: 3600, resolutionSeconds: 5, started: 0)
        func record(_ changes: Double, lag: Double, at time: Double) {
            let health = HealthState()
            health.update("capture") {
                $0.figures = ["changes": changes, "commit_to_publish_seconds": lag, "confirmed_lsn": 9]
                $0.tableChanges = ["users": changes / 2, "energy": changes / 2]
            }
            timeline.record(health.snapshot, at: time)
        }
        record(100, lag: 0.5, at: 10)
        record(150, lag: 0.7, at: 12)   // within 5 s of the last point: skipped
        record(200, lag: 0.2, at: 20)
        record(50, lag: 0.1, at: 30)    // restarted
        #expect(timeline.rates(service: "capture", figure: StatusTimeline.tableChanges).map(\.value) == [10, 10, 5], "changes of all tables")
        #expect(timeline.values(service: "capture", figure: "commit_to_publish_seconds").map(\.value) == [0.5, 0.2, 0.1])
        #expect(timeline.values(service: "capture", figure: "confirmed_lsn").isEmpty, "only the charted figures are kept")
        for time in stride(from: 35.0, through: 10_000, by: 5) { record(50, lag: 0, at: time) }
        let kept = timeline.values(service: "capture", figure: "commit_to_publish_seconds")
        #expect(kept.count == 722 && kept[1].time == 10_000 - 3600, "an hour at 5 s, plus the point before it")
    }

    @Test("the page draws the charts, changes per table, dead letters and the snapshot's progress, and fits a phone")
    func page() {
        let health = HealthState()
        let history = StatusHistory(windowSeconds: 60, started: 0)
        for (second, changes) in [(100.0, 1_000.0), (110, 1_500), (120, 2_500)] {
            health.update("capture") {
                $0.connected = true
                $0.figures = ["changes": changes, "slot_retained_wal_bytes": changes * 1024, "commit_to_publish_seconds": 0.2]
                $0.tableChanges = ["users": 10, "energy": changes - 10]
                $0.snapshot = SnapshotProgress(table: "public.energy", rows: 300, estimatedRows: 1200, finished: false, started: Date(timeIntervalSince1970: 90))
            }
            health.update("apply") {
                $0.connected = true
                $0.figures = ["events_applied": changes * 3, "commit_to_apply_seconds": 0.8, "dead_lettered": 2]
                $0.tableChanges = ["energy": changes * 0.99]
            }
            history.record(health, at: second)
        }
        let page = StatusPage.render(health, history: history, now: Date(timeIntervalSince1970: 120))
        for id in ["chart-throughput", "chart-lag", "chart-retained-wal"] {
            #expect(page.contains("<svg id=\"\(id)\" class=\"chart\""), "\(id)")
        }
        #expect(page.contains("<polyline fill=\"none\" stroke=\"\(StatusPage.applyColour)\""), "apply's throughput line")
        #expect(page.contains("captured <strong>100/s</strong>"), "capture's latest rate: 1,000 changes in 10 s")
        #expect(page.contains("applied <strong>99/s</strong>"), "apply's: changes of its tables, not the events with BEGIN and END")
        #expect(page.contains("<strong>2.4 MiB</strong>"), "the slot's latest retained WAL")
        #expect(page.contains(#"<tr id="table-users"><td>users</td><td class="number" data-capture="users">10</td><td class="number" data-apply="users">0</td></tr>"#), "\(page)")
        #expect(page.contains(#"data-apply="energy">2475<"#))
        #expect(page.contains(#"<td id="dead-letters" class="number">2</td>"#))
        #expect(page.contains(#"<progress max="1" value="0.250"></progress> reading public.energy: <strong>300 rows</strong> of about 1200 (25 %)"#), "\(page)")
        #expect(page.contains(#"<meta name="viewport" content="width=device-width,initial-scale=1">"#) && page.contains("@media (max-width:600px)"))
        #expect(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "nothing fetched from elsewhere")
    }

    @Test("without history or services the page still renders: empty charts, no tables")
    func emptyPage() {
        let page = StatusPage.render(HealthState(), now: Date(timeIntervalSince1970: 100))
        #expect(page.contains("no data yet") && page.contains("No changes since start.") && page.contains("Capture is not in this process."))
        #expect(!page.contains("chart-retained-wal"))
    }
}
