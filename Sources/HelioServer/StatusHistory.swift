import Foundation
import HelioOps
import Synchronization

/// Recent samples of the services' counters, so the status page can show throughput (a rate
/// over the last minute) rather than totals since start. The operator server samples once a
/// second; each render samples too.
final class StatusHistory: Sendable {
    /// Figures that only grow, whose rate is throughput.
    static let counters: Set<String> = ["changes", "transactions", "events_applied", "batches"]
    /// The window a rate is taken over.
    let windowSeconds: Double

    private struct Sample {
        var time: Double
        var value: Double
    }
    private let samples = Mutex<[String: [Sample]]>([:])
    /// When counting started: the figures are totals since the process started, so a counter
    /// first seen at N went from 0 to N since then (a first batch is throughput too).
    private let started: Double

    /// The last hour, for the charts.
    let timeline: StatusTimeline

    init(windowSeconds: Double = 60, started: Double = Date().timeIntervalSince1970, timeline: StatusTimeline? = nil) {
        self.windowSeconds = windowSeconds
        self.started = started
        self.timeline = timeline ?? StatusTimeline(started: started)
    }

    /// Records the current value of every counter figure, and the charted figures.
    func record(_ health: HealthState, at time: Double = Date().timeIntervalSince1970) {
        let snapshot = health.snapshot
        timeline.record(snapshot, at: time)
        samples.withLock { samples in
            for (service, state) in snapshot {
                for (figure, value) in state.figures where Self.counters.contains(figure) {
                    var series = samples["\(service).\(figure)", default: []]
                    // A counter that went down was reset (a restarted service): it counts from 0 since then.
                    if let last = series.last, value < last.value { series = [Sample(time: last.time, value: 0)] }
                    if series.isEmpty && started < time { series.append(Sample(time: started, value: 0)) }
                    series.append(Sample(time: time, value: value))
                    // Keep the window, plus the sample just before it as the rate's start.
                    if let firstInWindow = series.firstIndex(where: { $0.time >= time - windowSeconds }), firstInWindow > 1 {
                        series.removeFirst(firstInWindow - 1)
                    }
                    samples["\(service).\(figure)"] = series
                }
            }
        }
    }

    /// Per second over the window, once at least one second of samples exists; `nil` before.
    func rate(service: String, figure: String) -> Double? {
        samples.withLock { samples in
            guard let series = samples["\(service).\(figure)"], let last = series.last else { return nil }
            let start = series[0]   // `record` keeps the window and one sample before it
            let elapsed = last.time - start.time
            guard elapsed >= 1 else { return nil }
            return (last.value - start.value) / elapsed
        }
    }

    /// Samples `health` every `interval` until the task is cancelled.
    func sample(_ health: HealthState, every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            record(health)
            try? await Task.sleep(for: interval)
        }
    }
}
