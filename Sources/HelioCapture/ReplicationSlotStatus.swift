import HelioPostgres

/// The replication slot as the source's `pg_replication_slots` shows it, with the WAL it
/// holds back: what `helio slot status` prints and the source part of `helio status`.
public struct ReplicationSlotStatus: Sendable, Equatable {
    public var name: String
    public var plugin: String?
    public var active: Bool
    public var confirmedFlushLSN: String?
    public var restartLSN: String?
    /// The WAL between the server's current position and `restartLSN`, which the slot keeps.
    public var retainedBytes: Int64?
    /// The server's current WAL position.
    public var serverLSN: String?

    /// The slot's columns under PostgreSQL's names, in its form (`t`/`f`), in this order:
    /// `helio slot status` prints them.
    public var columns: [(name: String, value: String?)] {
        [("slot_name", name), ("plugin", plugin), ("active", active ? "t" : "f"), ("confirmed_flush_lsn", confirmedFlushLSN),
         ("restart_lsn", restartLSN), ("retained_bytes", retainedBytes.map { String($0) })]
    }

    /// The slot named `slot` of the source at `sourceURL`, nil when it does not exist; on one
    /// connection made for it (`helio slot status`).
    public static func read(slot: String, sourceURL: String) throws -> ReplicationSlotStatus? {
        try read(slot: slot, on: try PostgresConnection(ConnectionOptions(url: sourceURL)))
    }

    /// The same, as a monitoring probe asks (`helio status`): on a short-statement pool that
    /// rides out a blink of the server and bounds the statement.
    public static func readForMonitoring(slot: String, sourceURL: String, applicationName: String) throws -> ReplicationSlotStatus? {
        let pool = ConnectionPool.shortStatements(url: sourceURL, applicationName: applicationName)
        defer { pool.close() }
        return try pool.withConnection { try read(slot: slot, on: $0) }
    }

    static func read(slot: String, on connection: PostgresConnection) throws -> ReplicationSlotStatus? {
        guard let row = try connection.execute("""
            SELECT slot_name, plugin, active, confirmed_flush_lsn::text, restart_lsn::text,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, pg_current_wal_lsn()::text
            FROM pg_replication_slots WHERE slot_name = $1
            """, [slot]).rows.first else { return nil }
        return ReplicationSlotStatus(name: row[0] ?? slot, plugin: row[1], active: row[2] == "t", confirmedFlushLSN: row[3],
                                     restartLSN: row[4], retainedBytes: row[5].flatMap { Int64($0) }, serverLSN: row[6])
    }
}
