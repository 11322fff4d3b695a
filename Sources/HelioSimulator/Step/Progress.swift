import Logging

/// Run time, stop conditions and the progress line.
struct Progress {
    let clock: ContinuousClock
    let started: ContinuousClock.Instant
    private var lastLog: ContinuousClock.Instant?
    private var lastChanges = 0

    init(clock: ContinuousClock) {
        self.clock = clock
        started = clock.now
    }

    var elapsed: Double {
        let duration = clock.now - started
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    func isFinished(_ options: SimulatorOptions, changes: Int) -> Bool {
        if let maxChanges = options.maxChanges, changes >= maxChanges { return true }
        if let duration = options.duration, elapsed >= duration { return true }
        return false
    }

    /// Every `every` steps, at most once a second.
    mutating func shouldLog(step: Int, every: Int) -> Bool {
        guard step % every == 0 || step == 1 else { return false }
        if let lastLog, clock.now - lastLog < .seconds(1) { return false }
        return true
    }

    /// The progress line's metadata; the rate is over the time since the previous line.
    mutating func metadata(_ summary: RunSummary, simulated: String) -> Logger.Metadata {
        let now = clock.now
        let since = lastLog.map { now - $0 } ?? (now - started)
        let seconds = Double(since.components.seconds) + Double(since.components.attoseconds) * 1e-18
        let rate = seconds > 0 ? Double(summary.changes - lastChanges) / seconds : 0
        lastLog = now
        lastChanges = summary.changes
        return [
            SimulatorLogKeys.steps: "\(summary.steps)",
            SimulatorLogKeys.rows: "\(summary.changes)",
            SimulatorLogKeys.changesPerSecond: "\((rate * 10).rounded() / 10)",
            SimulatorLogKeys.simulatedTime: "\(simulated)",
        ]
    }
}
