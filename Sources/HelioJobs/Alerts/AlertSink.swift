import Foundation
import HelioOps
import Logging
import Metrics
import Synchronization

/// Where alerts go: every raise is a structured log line (warning, or error when critical)
/// and one more in `helio_alerts_total{check,severity}`; when a webhook is configured, it
/// is POSTed there too, once per active alert (again after `repeatSeconds`, or when it
/// changes), and a check that alerted and is clear again sends `resolved`.
public final class AlertSink: Sendable {
    private struct Active {
        var alert: Alert
        /// When the webhook last accepted it; nil until it did (so the next raise retries).
        var sentAt: Date?
    }

    let logger: Logger
    let repeatSeconds: Double
    let source: String
    let host: String
    private let webhook: WebhookClient?
    private let active = Mutex<[String: Active]>([:])
    private let counters = Mutex<[String: Counter]>([:])
    private let recent = Mutex<[Alert]>([])
    private let webhookFailures = Counter(label: "helio_alert_webhook_failures_total")

    /// `source` names the process in payloads (its logger label).
    public init(webhookURL: String?, attempts: Int = 5, timeoutSeconds: Double = 10, repeatSeconds: Double = 3_600,
                backoffBase: Double = 0.5, source: String, logger: Logger) {
        self.logger = logger
        self.repeatSeconds = repeatSeconds
        self.source = source
        self.host = ProcessInfo.processInfo.hostName
        self.webhook = webhookURL.flatMap(URL.init(string:)).map {
            WebhookClient(url: $0, attempts: attempts, timeoutSeconds: timeoutSeconds, backoffBase: backoffBase)
        }
    }

    public convenience init(_ configuration: ScheduleConfiguration, source: String, logger: Logger) {
        self.init(webhookURL: configuration.alertWebhookURL, attempts: configuration.webhookAttempts,
                  timeoutSeconds: configuration.webhookTimeoutSeconds, repeatSeconds: configuration.alertRepeatSeconds,
                  source: source, logger: logger)
    }

    /// The alerts raised lately (at most 100), oldest first: for the status page and tests.
    public var history: [Alert] { recent.withLock { $0 } }

    /// Logs and counts the alert, and sends it to the webhook unless it was sent recently.
    /// Blocks while the webhook is retried (it runs on the check's own thread).
    public func raise(_ alert: Alert, shouldStop: () -> Bool = { false }) {
        let level: Logger.Level = alert.severity == .critical ? .error : .warning
        logger.log(level: level, "alert: \(alert.summary)", metadata: [
            LogKeys.check: "\(alert.check)", LogKeys.severity: "\(alert.severity.rawValue)",
            "keys": "\(alert.keys.prefix(20).joined(separator: ","))", "details": "\(alert.details.prefix(20).joined(separator: "; "))",
        ])
        counter(alert).increment()
        recent.withLock { $0.append(alert); if $0.count > 100 { $0.removeFirst($0.count - 100) } }
        let now = Date()
        let due = active.withLock { all -> Bool in
            let previous = all[alert.check]
            let sentAt = previous?.alert.fingerprint == alert.fingerprint ? previous?.sentAt : nil
            all[alert.check] = Active(alert: alert, sentAt: sentAt)
            guard let sentAt else { return true }
            return now.timeIntervalSince(sentAt) >= repeatSeconds
        }
        guard due, webhook != nil else { return }
        if deliver(AlertPayload(alert: alert, status: "firing", source: source, host: host, at: now), shouldStop: shouldStop) {
            active.withLock { $0[alert.check]?.sentAt = now }
        }
    }

    /// The check found its condition gone: if it had alerted, say so (log, and the webhook).
    public func resolve(check: String, summary: String, shouldStop: () -> Bool = { false }) {
        guard let previous = active.withLock({ $0.removeValue(forKey: check) }) else { return }
        logger.notice("alert resolved: \(summary)", metadata: [LogKeys.check: "\(check)", LogKeys.severity: "resolved"])
        guard webhook != nil, previous.sentAt != nil else { return }
        var alert = previous.alert
        alert.summary = summary
        alert.details = []
        _ = deliver(AlertPayload(alert: alert, status: "resolved", source: source, host: host, at: Date()), shouldStop: shouldStop)
    }

    private func deliver(_ payload: AlertPayload, shouldStop: () -> Bool) -> Bool {
        guard let webhook else { return false }
        let outcome = webhook.post(payload.encoded(), shouldStop: shouldStop)
        if outcome.delivered {
            logger.info("alert sent to the webhook", metadata: [LogKeys.check: "\(payload.check)", "attempts": "\(outcome.attempts)"])
        } else {
            webhookFailures.increment()
            logger.error("alert webhook failed", metadata: [
                LogKeys.check: "\(payload.check)", "attempts": "\(outcome.attempts)", LogKeys.error: "\(outcome.lastProblem ?? "unknown")",
                "webhook": "\(ScheduleConfiguration.redactWebhook(webhook.url.absoluteString))",
            ])
        }
        return outcome.delivered
    }

    private func counter(_ alert: Alert) -> Counter {
        counters.withLock { all in
            let key = "\(alert.check)|\(alert.severity.rawValue)"
            if let counter = all[key] { return counter }
            let counter = Counter(label: "helio_alerts_total", dimensions: [("check", alert.check), ("severity", alert.severity.rawValue)])
            all[key] = counter
            return counter
        }
    }
}
