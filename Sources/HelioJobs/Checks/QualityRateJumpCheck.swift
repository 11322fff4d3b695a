import Foundation
import HelioOps
import HelioPostgres

/// Alerts (warning) when a data-quality rule's flags jump: a sensor going bad across a fleet, a
/// firmware release that reports in watts, a device table that lost its nominal power. The
/// steady trickle of implausible readings every platform has stays quiet; the change is what
/// an operator must hear about (docs/operations.md, Data quality). Reads the stored flags
/// (`QualityFindings.perRule`, by source commit time, so a replay or catch-up after an outage
/// counts flags in the hours they were committed, not all in the hour apply wrote them);
/// `QualityRateJump` decides. Severity `warn` stores nothing, so only `flag` rules are watched.
public struct QualityRateJumpCheck: Sendable {
    public static let check = "quality_jump"

    let warehouseURL: String
    let rule: QualityRateJump
    let alerts: AlertSink

    public init(warehouseURL: String, ratio: Double, minimum: Int, alerts: AlertSink) {
        self.warehouseURL = warehouseURL
        self.rule = QualityRateJump(ratio: ratio, minimum: minimum)
        self.alerts = alerts
    }

    public func run(_ context: JobContext) throws {
        let connection = try PostgresConnection(ConnectionOptions(url: warehouseURL, applicationName: "helio-quality-check"))
        try run(context, findings: QualityFindings(connection: connection))
    }

    /// One run as of `context.scheduledAt`.
    func run(_ context: JobContext, findings: QualityFindings) throws {
        let now = context.scheduledAt
        guard let start = try findings.historyStart() else {
            context.logger.debug("no facts in the warehouse yet: no quality baseline")
            return
        }
        let baselineHours = (now.timeIntervalSince(start) - 3_600) / 3_600
        guard baselineHours >= 1 else {
            context.logger.info("less than an hour of data before the last hour: no quality baseline yet")
            return
        }
        let jumps = rule.jumps(try findings.perRule(until: now), baselineHours: baselineHours)
        guard !jumps.isEmpty else {
            alerts.resolve(check: Self.check, summary: "no data-quality rule's flags jump any more", shouldStop: context.shouldStop)
            return
        }
        let rules = jumps.map(\.rule)
        let summary = jumps.count == 1
            ? "data-quality rule \(jumps[0].rule) jumped: \(jumps[0].lastHour) flags in the last hour"
            : "\(jumps.count) data-quality rules jumped: " + jumps.prefix(3).map { "\($0.rule) \($0.lastHour)" }.joined(separator: ", ")
                + (jumps.count > 3 ? ", …" : "") + " flags in the last hour"
        alerts.raise(Alert(check: Self.check, severity: .warning, summary: summary,
                           details: jumps.map(\.description) + ["see `helio quality report --since 1d` and docs/operations.md, 'Data quality'"],
                           keys: rules,
                           // The same rules still jumping are the same alert; counts change every run.
                           fingerprint: "\(Self.check):\(rules.sorted().joined(separator: ","))"),
                     shouldStop: context.shouldStop)
    }
}
