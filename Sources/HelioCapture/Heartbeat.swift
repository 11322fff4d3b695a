import HelioPostgres
import Logging

/// Writes a transactional logical message on the source every interval, so the slot sees
/// fresh WAL of its own even when the published tables are idle and other databases churn.
final class Heartbeat {
    let connection: PostgresConnection
    let interval: Double
    let logger: Logger
    private var last = 0.0

    init(connection: PostgresConnection, interval: Double, logger: Logger) {
        self.connection = connection
        self.interval = interval
        self.logger = logger
    }

    func beatIfDue() {
        let now = Clock.monotonicSeconds()
        guard interval > 0, now - last >= interval else { return }
        last = now
        do {
            try connection.execute("SELECT pg_logical_emit_message(true, 'helio.heartbeat', now()::text)")
        } catch {
            logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
        }
    }
}
