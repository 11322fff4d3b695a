import HelioOps
import HelioPostgres
import Metrics

/// Watches the WAL the replication slot holds back (`pg_replication_slots`): a warning above
/// one threshold, a critical alert above the second, before the source's disk fills. Its
/// level is exported as `helio_slot_watchdog_level{slot}`: 0 fine, 1 warning, 2 critical.
public struct SlotLagWatchdog: Sendable {
    public static let check = "slot_lag"

    let sourceURL: String
    let slot: String
    let warningBytes: Int64
    let alertBytes: Int64
    let alerts: AlertSink
    let level: Gauge

    public init(sourceURL: String, slot: String, warningBytes: Int64, alertBytes: Int64, alerts: AlertSink) {
        self.sourceURL = sourceURL
        self.slot = slot
        self.warningBytes = warningBytes
        self.alertBytes = alertBytes
        self.alerts = alerts
        self.level = Gauge(label: "helio_slot_watchdog_level", dimensions: [("slot", slot)])
    }

    /// What one look at the slot found.
    public enum Finding: Equatable, Sendable {
        case fine(retainedBytes: Int64)
        case missing
        /// The server invalidated the slot (`max_slot_wal_keep_size`): capture cannot resume.
        case lost
        case retains(bytes: Int64, severity: Alert.Severity)
    }

    public func run(_ context: JobContext) throws {
        let connection = try PostgresConnection(ConnectionOptions(url: sourceURL, applicationName: "helio-watchdog",
                                                                  settings: ["statement_timeout": "30s"]))
        let finding = try look(connection)
        switch finding {
        case .fine(let bytes):
            level.record(0)
            context.logger.debug("slot retains little WAL", metadata: [LogKeys.slot: "\(slot)", "retained_bytes": "\(bytes)"])
            alerts.resolve(check: Self.check, summary: "slot \(slot) retains \(bytes) bytes of WAL, below \(warningBytes)",
                           shouldStop: context.shouldStop)
        case .missing:
            level.record(1)
            alerts.raise(Alert(check: Self.check, severity: .warning, summary: "replication slot \(slot) does not exist",
                               details: ["capture creates it on its first start; if it was dropped, changes since then are lost to it"],
                               keys: [slot]), shouldStop: context.shouldStop)
        case .lost:
            level.record(2)
            alerts.raise(Alert(check: Self.check, severity: .critical, summary: "replication slot \(slot) was invalidated: its WAL is gone",
                               details: ["capture cannot resume from it; see docs/operations.md, 'The slot was invalidated or dropped'"],
                               keys: [slot]), shouldStop: context.shouldStop)
        case .retains(let bytes, let severity):
            level.record(severity == .critical ? 2 : 1)
            let limit = severity == .critical ? alertBytes : warningBytes
            alerts.raise(Alert(check: Self.check, severity: severity,
                               summary: "replication slot \(slot) retains \(bytes) bytes of WAL (above \(limit))",
                               details: ["the source keeps this WAL until capture confirms it; is capture running and keeping up?"],
                               keys: [slot]), shouldStop: context.shouldStop)
        }
    }

    public func look(_ connection: PostgresConnection) throws -> Finding {
        let result = try connection.execute("""
            SELECT wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text
            FROM pg_replication_slots WHERE slot_name = $1
            """, [slot])
        guard let row = result.rows.first else { return .missing }
        guard row[0] != "lost", let retained = row[1].flatMap({ Int64($0) }) else { return .lost }
        if retained > alertBytes { return .retains(bytes: retained, severity: .critical) }
        if retained > warningBytes { return .retains(bytes: retained, severity: .warning) }
        return .fine(retainedBytes: retained)
    }
}
