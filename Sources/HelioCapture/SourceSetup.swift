import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// Preflight on the source: everything capture needs is checked (and created where allowed)
/// before a byte is read, so a misconfiguration stops with advice instead of losing data.
struct SourceSetup {
    let connection: PostgresConnection
    let config: HelioConfiguration
    let logger: Logger

    struct SlotState {
        var exists: Bool
        var confirmedFlush: LSN?
        /// The slot's database (name and OID), when it exists.
        var database: String?
        var databaseOID: String?
    }

    func checkWalLevel() throws {
        let level = try connection.execute("SHOW wal_level").scalar ?? "unknown"
        guard level == "logical" else { throw CaptureError.walLevelNotLogical(level) }
    }

    /// Primary-key column names, in key order, per schema-qualified table. Throws for a
    /// configured table that does not exist.
    func primaryKeys() throws -> [String: [String]] {
        let existing = try connection.execute("""
            SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY($1::text[])
            """, [Self.arrayLiteral(config.tables)]).rows.compactMap { $0[0] }
        if let missing = config.tables.first(where: { !existing.contains($0) }) { throw CaptureError.tableNotFound(missing) }
        let rows = try connection.execute("""
            SELECT n.nspname || '.' || c.relname, a.attname
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
            WHERE i.indisprimary AND n.nspname || '.' || c.relname = ANY($1::text[])
            ORDER BY 1, array_position(i.indkey::int2[], a.attnum)
            """, [Self.arrayLiteral(config.tables)]).rows
        var keys: [String: [String]] = [:]
        for row in rows { keys[row[0]!, default: []].append(row[1]!) }
        // Without a primary key, only a replica identity index can key the table's changes.
        for table in config.tables where keys[table] == nil {
            let identity = try connection.execute("SELECT relreplident::text FROM pg_class WHERE oid = $1::regclass", [table]).scalar
            if identity != "i" { throw CaptureError.tableWithoutKey(table) }
        }
        return keys
    }

    /// Creates the publication when missing (Debezium's `publication.autocreate.mode`
    /// `filtered`) and adds configured tables it lacks.
    func ensurePublication() throws {
        let name = connection.quoteIdentifier(config.publication)
        let tableList = config.tables.map(quoteQualified).joined(separator: ", ")
        let exists = try !connection.execute("SELECT 1 FROM pg_publication WHERE pubname = $1", [config.publication]).isEmpty
        if !exists {
            guard config.autocreatePublication else {
                throw CaptureError.publicationMissing(config.publication, reason: "autocreation is off")
            }
            do {
                try connection.execute("CREATE PUBLICATION \(name) FOR TABLE \(tableList)")
                logger.notice("created publication", metadata: ["publication": "\(config.publication)"])
            } catch {
                throw CaptureError.publicationMissing(config.publication, reason: error.message)
            }
            return
        }
        let published = try connection.execute(
            "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1", [config.publication]
        ).rows.compactMap { $0[0] }
        let missing = config.tables.filter { !published.contains($0) }
        guard !missing.isEmpty else { return }
        do {
            try connection.execute("ALTER PUBLICATION \(name) ADD TABLE \(missing.map(quoteQualified).joined(separator: ", "))")
        } catch {
            throw CaptureError.publicationMissing(config.publication,
                reason: "it lacks \(missing.joined(separator: ", ")) and adding them failed: \(error.message)")
        }
    }

    /// Sets REPLICA IDENTITY FULL where configured, so updates carry the old row and unchanged
    /// TOASTed values can be filled in. Without the privilege this only warns: consumers then
    /// see the placeholder for such values, which they know to keep.
    func ensureFullImages() {
        for table in config.fullImageTables where config.tables.contains(table) {
            do {
                let identity = try connection.execute(
                    "SELECT relreplident::text FROM pg_class WHERE oid = $1::regclass", [table]).scalar
                if identity != "f" {
                    try connection.execute("ALTER TABLE \(quoteQualified(table)) REPLICA IDENTITY FULL")
                    logger.notice("set REPLICA IDENTITY FULL", metadata: [LogKeys.table: "\(table)"])
                }
            } catch {
                logger.warning("could not set REPLICA IDENTITY FULL; unchanged TOASTed values will arrive as the placeholder",
                               metadata: [LogKeys.table: "\(table)", LogKeys.error: "\(error)"])
            }
        }
    }

    func slotState() throws -> SlotState {
        let result = try connection.execute(
            "SELECT plugin, active, active_pid::text, confirmed_flush_lsn::text, database, datoid::text FROM pg_replication_slots WHERE slot_name = $1",
            [config.slot])
        guard let row = result.rows.first else { return SlotState(exists: false, confirmedFlush: nil) }
        if row[0] != "pgoutput" { throw CaptureError.slotWithOtherPlugin(slot: config.slot, plugin: row[0] ?? "none") }
        if row[1] == "t" { throw CaptureError.slotActive(slot: config.slot, pid: row[2] ?? "?") }
        return SlotState(exists: true, confirmedFlush: row[3].flatMap { LSN($0) }, database: row[4], databaseOID: row[5])
    }

    /// What identifies the slot's history besides its name: the cluster's system identifier
    /// and the slot's database (this connection's, for a slot not made yet).
    func liveSlot(_ state: SlotState) throws -> KafkaLogGuard.LiveSlot {
        let row = try connection.execute("""
            SELECT (SELECT system_identifier::text FROM pg_control_system()), current_database(),
                   (SELECT oid::text FROM pg_database WHERE datname = current_database())
            """).rows.first
        return KafkaLogGuard.LiveSlot(systemIdentifier: row?[0] ?? "unknown", database: state.database ?? row?[1] ?? "unknown",
                                      databaseOID: state.databaseOID ?? row?[2] ?? "unknown", confirmedFlush: state.confirmedFlush)
    }

    func quoteQualified(_ table: String) -> String {
        table.split(separator: ".", maxSplits: 1).map { connection.quoteIdentifier(String($0)) }.joined(separator: ".")
    }

    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
