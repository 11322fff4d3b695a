/// Keeps the run at or below both paces — row changes per real second and simulated
/// seconds per real second — on the monotonic clock. It targets the cumulative totals, so
/// short stalls are made up; after a long stall (the database was slow) it starts afresh
/// instead of bursting to catch up.
struct Pacer {
    let ratePerSecond: Double
    let timeScale: Double
    /// How far behind the schedule the run may fall before the schedule is reset.
    var maxLagSeconds = 2.0

    private let clock = ContinuousClock()
    private var base: ContinuousClock.Instant
    private var baseChanges = 0
    private var baseSimulated = 0.0

    init(ratePerSecond: Double, timeScale: Double) {
        self.ratePerSecond = ratePerSecond
        self.timeScale = timeScale
        base = clock.now
    }

    var isUnpaced: Bool { ratePerSecond <= 0 }

    /// Seconds to wait after a step, given the run's totals so far (0 when behind).
    mutating func delay(changes: Int, simulatedSeconds: Double) -> Double {
        guard !isUnpaced else { return 0 }
        var target = Double(changes - baseChanges) / ratePerSecond
        if timeScale > 0 { target = max(target, (simulatedSeconds - baseSimulated) / timeScale) }
        let elapsed = seconds(clock.now - base)
        if elapsed - target > maxLagSeconds {
            base = clock.now
            baseChanges = changes
            baseSimulated = simulatedSeconds
            return 0
        }
        return max(0, target - elapsed)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
