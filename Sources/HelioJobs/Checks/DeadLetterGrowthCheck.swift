import HelioOps
import Synchronization

/// Alerts when records were dead-lettered since the previous run. The count is the
/// applier's own (`ApplyMetrics.deadLetteredCount`, since the process started), so every
/// growth is one alert, and each is sent to the webhook (its fingerprint is the new total).
public final class DeadLetterGrowthCheck: Sendable {
    public static let check = "dead_letters"

    let count: @Sendable () -> Int
    let topic: String
    let alerts: AlertSink
    private let seen = Mutex(0)

    public init(topic: String, alerts: AlertSink, count: @escaping @Sendable () -> Int) {
        self.topic = topic
        self.alerts = alerts
        self.count = count
    }

    public func run(_ context: JobContext) throws {
        let total = count()
        let before = seen.withLock { seen in
            defer { seen = max(seen, total) }
            return seen
        }
        guard total > before else { return }
        alerts.raise(Alert(check: Self.check, severity: .warning,
                           summary: "\(total - before) record\(total - before == 1 ? " was" : "s were") dead-lettered since the last check (\(total) since apply started)",
                           details: ["inspect them with `helio dlq list`; see docs/operations.md, 'Poison records'"],
                           keys: [topic], fingerprint: "\(Self.check):\(total)"), shouldStop: context.shouldStop)
    }
}
