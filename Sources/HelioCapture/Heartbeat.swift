import HelioPostgres
import Logging

/// Writes a transactional logical message on the source every interval, so the slot sees
/// fresh WAL of its own even when the published tables are idle and other databases churn.
final class Heartbeat {
    let connection: PostgresConnection
    let interval: Double
    let logger: Logger
    let slot: String
    let metrics: CaptureMetrics
    private var last = 0.0
    private var failing = false

    init(connection: PostgresConnection, interval: Double, slot: String, metrics: CaptureMetrics, logger: Logger) {
        self.connection = connection
        self.interval = interval
        self.slot = slot
        self.metrics = metrics
        self.logger = logger
    }

    func beatIfDue(now: Double = Clock.monotonicSeconds()) {
        guard interval > 0, now - last >= interval else { return }
        last = now
        do {
            try connection.execute("SELECT pg_logical_emit_message(true, 'helio.heartbeat', now()::text)")
            // The WAL the slot holds back: what an operator must watch before the disk fills.
            let retained = try connection.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = $1", [slot]).scalar
            if let retained, let bytes = Double(retained) { metrics.retainedWAL(bytes: bytes) }
            failing = false
        } catch {
            // Once per outage: the replication stream reports the connection's fate itself.
            if !failing { logger.warning("heartbeat failed", metadata: ["error": "\(error)"]) }
            failing = true
        }
    }
}
