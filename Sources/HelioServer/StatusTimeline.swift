import Foundation
import HelioOps
import Synchronization

/// The last hour of the figures the status page draws, one point every `resolutionSeconds`
/// (720 points a figure at most), so a chart costs the same however long the process runs.
final class StatusTimeline: Sendable {
    /// Figures that only grow: charted as a rate between points. Everything else is a gauge,
    /// charted as it was. `table_changes` is the sum of a service's changes per source table:
    /// for apply, unlike `events_applied`, it leaves out the transaction topic's BEGIN and END
    /// records, so capture's and apply's lines count the same thing.
    static let tableChanges = "table_changes"
    static let counters: Set<String> = ["capture.\(tableChanges)", "apply.\(tableChanges)"]
    static let gauges: Set<String> = ["capture.commit_to_publish_seconds", "apply.commit_to_apply_seconds",
                                      "capture.slot_retained_wal_bytes"]
    let spanSeconds: Double
    let resolutionSeconds: Double

    private let points = Mutex<[String: [ChartPoint]]>([:])
    /// When counting started: a counter first seen at N counted from 0 since then.
    private let started: Double

    init(spanSeconds: Double = 3600, resolutionSeconds: Double = 5, started: Double = Date().timeIntervalSince1970) {
        self.spanSeconds = spanSeconds
        self.resolutionSeconds = resolutionSeconds
        self.started = started
    }

    /// Adds a point for each charted figure whose last point is at least `resolutionSeconds` old.
    func record(_ services: [String: HealthState.Service], at time: Double) {
        points.withLock { points in
            for (service, state) in services {
                var figures = state.figures
                if !state.tableChanges.isEmpty { figures[Self.tableChanges] = state.tableChanges.values.reduce(0, +) }
                for (figure, value) in figures {
                    let key = "\(service).\(figure)"
                    guard Self.counters.contains(key) || Self.gauges.contains(key) else { continue }
                    var series = points[key, default: []]
                    if let last = series.last, time - last.time < resolutionSeconds { continue }
                    if series.isEmpty && Self.counters.contains(key) && started < time {
                        series.append(ChartPoint(time: started, value: 0))
                    }
                    series.append(ChartPoint(time: time, value: value))
                    // The span, plus one point before it so the first rate in the span has a start.
                    if let firstInSpan = series.firstIndex(where: { $0.time >= time - spanSeconds }), firstInSpan > 1 {
                        series.removeFirst(firstInSpan - 1)
                    }
                    points[key] = series
                }
            }
        }
    }

    /// A gauge's points, oldest first.
    func values(service: String, figure: String) -> [ChartPoint] {
        points.withLock { $0["\(service).\(figure)"] ?? [] }
    }

    /// A counter's rate per second between consecutive points, at the later point's time.
    /// A counter that went down was reset (a restarted service): it counted from 0 since.
    func rates(service: String, figure: String) -> [ChartPoint] {
        let series = values(service: service, figure: figure)
        return zip(series, series.dropFirst()).compactMap { earlier, later in
            let elapsed = later.time - earlier.time
            guard elapsed > 0 else { return nil }
            let growth = later.value >= earlier.value ? later.value - earlier.value : later.value
            return ChartPoint(time: later.time, value: growth / elapsed)
        }
    }
}
