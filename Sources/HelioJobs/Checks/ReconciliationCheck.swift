import HelioApply
import HelioOps
import HelioPostgres
import Metrics

/// Compares the warehouse with the source (`WarehouseVerifier`, what `helio verify` runs) and
/// raises a critical alert listing the differences and their keys. Changes in flight show as
/// differences for a moment, so a difference counts only when a second pass
/// `confirmSeconds` later finds it again. `helio_reconciliation_differences` holds the count.
public struct ReconciliationCheck: Sendable {
    public static let check = "reconciliation"
    /// Differences listed in an alert; the count says how many there are in all.
    static let listed = 50

    let config: HelioConfiguration
    let confirmSeconds: Double
    let alerts: AlertSink
    let differencesGauge = Gauge(label: "helio_reconciliation_differences")

    public init(config: HelioConfiguration, alerts: AlertSink) {
        self.config = config
        self.confirmSeconds = config.schedule.reconciliationConfirmSeconds
        self.alerts = alerts
    }

    public func run(_ context: JobContext) throws {
        let source = try PostgresConnection(ConnectionOptions(url: try config.require(config.sourceURL, "HELIO_SOURCE_URL"),
                                                              applicationName: "helio-reconcile"))
        let warehouse = try PostgresConnection(ConnectionOptions(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"),
                                                                 applicationName: "helio-reconcile"))
        let verifier = WarehouseVerifier(source: source, warehouse: warehouse, piiKey: try config.require(config.piiKey, "HELIO_PII_KEY"),
                                         timezone: config.timezone, sampleMinutes: config.sampleMinutes)
        var differences = try verifier.verify()
        if !differences.isEmpty && confirmSeconds > 0 {
            context.logger.info("differences found; checking again before alerting", metadata: [
                "differences": "\(differences.count)", "after_seconds": "\(confirmSeconds)"])
            guard context.pause(confirmSeconds) else { return }
            let again = Set(try verifier.verify().map(\.description))
            differences = differences.filter { again.contains($0.description) }
        }
        differencesGauge.record(differences.count)
        guard !differences.isEmpty else {
            context.logger.info("the warehouse matches the source")
            alerts.resolve(check: Self.check, summary: "the warehouse matches the source again", shouldStop: context.shouldStop)
            return
        }
        let keys = differences.map { "\($0.check): \($0.key)" }
        var unique: [String] = []
        for key in keys where !unique.contains(key) { unique.append(key) }
        alerts.raise(Alert(
            check: Self.check, severity: .critical,
            summary: "the warehouse differs from the source: \(differences.count) difference\(differences.count == 1 ? "" : "s")",
            details: differences.prefix(Self.listed).map(\.description),
            keys: Array(unique.prefix(Self.listed)),
            fingerprint: "\(Self.check):\(unique.joined(separator: "|").hashValue)"), shouldStop: context.shouldStop)
    }
}
