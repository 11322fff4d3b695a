import Foundation
import HelioPostgres

/// Measures recovery: commits a change on the source after a fault and waits until the
/// warehouse shows it, i.e. until capture, Kafka and apply all work again.
///
/// One transaction changes a dimension and a fact: the e-mail address of a user of the
/// probe's own (the random workload never changes e-mail addresses) and a new energy reading
/// of a meter of its own (the workload writes energy for inverters only). The warehouse must
/// show both — the current `dim_users` member and the reading's `original` ledger entry — so
/// a pipeline whose facts stopped (held behind the dimension watermark, say) is not taken for
/// recovered because its dimensions still move.
public final class RecoveryProbe: @unchecked Sendable {
    let stack: FaultStack
    let userID: String
    let deviceID: String
    private var round = 0
    /// Every attempt writes another minute: a commit whose answer a crash swallowed may have
    /// happened, and its reading must not collide with the retry's.
    private var attempts = 0

    public init(stack: FaultStack) throws {
        self.stack = stack
        let source = try stack.sourceAdmin()
        userID = try source.execute(
            "INSERT INTO users (name, email) VALUES ('Recovery probe', 'probe-0@helio.test') RETURNING id::text").scalar ?? "0"
        deviceID = try source.execute("""
            INSERT INTO devices (unit_id, serial_number, kind) SELECT min(id), 'PROBE-METER', 'meter' FROM units RETURNING id::text
            """).scalar ?? "0"
    }

    /// Commits the next probe transaction (retrying while the source is away) and returns the
    /// seconds from `since` until the warehouse shows all of it, or nil after `within`.
    public func measure(since: Date, within seconds: Double, whileWaiting: () -> Void = {}) -> Double? {
        round += 1
        let email = "probe-\(round)@helio.test"
        let deadline = since.addingTimeInterval(seconds)
        var readingID: String?
        var warehouse: PostgresConnection?
        while Date() < deadline {
            whileWaiting()
            if readingID == nil { readingID = try? commit(email: email) }
            if let readingID {
                if warehouse == nil { warehouse = try? stack.warehouseAdmin() }
                do {
                    let seen = try warehouse?.execute("""
                        SELECT (SELECT email FROM dw.dim_users WHERE user_id = $1 AND is_current) = $2
                           AND EXISTS (SELECT 1 FROM dw.fact_energy WHERE source_table = 'energy' AND source_id = $3 AND entry_kind = 'original')
                        """, [userID, email, readingID]).scalar
                    if seen == "t" { return Date().timeIntervalSince(since) }
                } catch {
                    warehouse = nil // restarted, or dw not there yet (a rebuild)
                }
            }
            usleep(100_000)
        }
        return nil
    }

    /// One transaction: the user's new address and a reading (a minute of 2022 per attempt, a
    /// year nothing else writes); the reading's id.
    private func commit(email: String) throws -> String? {
        attempts += 1
        let source = try stack.sourceAdmin()
        try source.execute("BEGIN")
        do {
            try source.execute("UPDATE users SET email = $1 WHERE id = $2", [email, userID])
            let id = try source.execute("""
                INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES ($1, timestamptz '2022-01-01 00:00:00-03' + $2::int * interval '1 minute', 0.25)
                RETURNING id::text
                """, [deviceID, String(attempts)]).scalar
            try source.execute("COMMIT")
            return id
        } catch {
            _ = try? source.execute("ROLLBACK")
            throw error
        }
    }
}
