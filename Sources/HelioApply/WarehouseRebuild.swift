import Foundation
import HelioOps
import HelioPostgres
import Logging

/// Replaces the live warehouse schema by one rebuilt from the topics, atomically.
///
/// In one transaction (holding the apply lock, so no batch is half-applied): `dw` becomes
/// `dw_replaced_<time>`, the rebuilt schema becomes `dw`, the apply functions are installed
/// for it, its stored positions move to the live consumer group, and the schema and table
/// grants of the old `dw` are given to the new one. Readers see the old warehouse or the new
/// one, never a mix. Stop the live applier first; start it again afterwards.
public enum WarehouseRebuild {
    public static func groupID(live: String, schema: WarehouseSchema) -> String { "\(live)-rebuild-\(schema.name)" }

    /// The swap on its own connection to the warehouse at `url` (`helio rebuild --swap`).
    @discardableResult
    public static func swap(url: String, applicationName: String, rebuilt: WarehouseSchema, liveGroup: String, logger: Logger) throws -> String {
        try swap(try PostgresConnection(ConnectionOptions(url: url, applicationName: applicationName)), rebuilt: rebuilt, liveGroup: liveGroup, logger: logger)
    }

    /// Returns the name the old warehouse was kept under.
    @discardableResult
    public static func swap(_ connection: PostgresConnection, rebuilt: WarehouseSchema, liveGroup: String, logger: Logger) throws -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd_HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let kept = "dw_replaced_\(formatter.string(from: Date()))"
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'))")
            let ready = try connection.execute(
                "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'schema_version'", [rebuilt.name])
            guard !ready.isEmpty else {
                throw ConfigurationError(key: "--schema", problem: "\(rebuilt.name) holds no rebuilt warehouse; run `helio rebuild --schema \(rebuilt.name)` first")
            }
            let schemaGrantees = try connection.execute("""
                SELECT DISTINCT grantee::regrole::text FROM pg_namespace, aclexplode(nspacl)
                WHERE nspname = 'dw' AND privilege_type = 'USAGE' AND grantee <> nspowner AND grantee <> 0
                """).rows.compactMap { $0[0] }
            let tableGrantees = try connection.execute("""
                SELECT DISTINCT grantee FROM information_schema.role_table_grants
                WHERE table_schema = 'dw' AND privilege_type = 'SELECT' AND grantee <> current_user AND grantee <> 'PUBLIC'
                """).rows.compactMap { $0[0] }
            try connection.execute("ALTER SCHEMA dw RENAME TO \(connection.quoteIdentifier(kept))")
            try connection.execute("ALTER SCHEMA \(connection.quoteIdentifier(rebuilt.name)) RENAME TO dw")
            try WarehouseSchema.live.installFunctions(connection)
            let rebuildGroup = groupID(live: liveGroup, schema: rebuilt)
            try OffsetStore(connection: connection, group: liveGroup).takeOver(fromGroup: rebuildGroup)
            for grantee in schemaGrantees { try connection.execute("GRANT USAGE ON SCHEMA dw TO \(connection.quoteIdentifier(grantee))") }
            for grantee in tableGrantees { try connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA dw TO \(connection.quoteIdentifier(grantee))") }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        logger.notice("warehouse swapped", metadata: [LogKeys.audit: "rebuild.swap", "rebuilt": "\(rebuilt.name)", "kept_as": "\(kept)"])
        return kept
    }
}
