import HelioPostgres
import Logging

/// Creates or migrates schema `dw` on start, so an empty warehouse database and a role
/// allowed to create in it are enough.
///
/// Migrations are numbered and recorded in `dw.schema_version`; each runs once, in order,
/// under an advisory lock so several appliers starting together do not race. The apply
/// functions are code, not data: they are replaced on every start.
public struct WarehouseSchema {
    /// (version, SQL). Append; never edit a released entry.
    static let migrations: [(version: Int, sql: String)] = [
        (1, WarehouseSQL.tables),
        // Where each partition's last applied record stood in the source, so a log that was
        // lost and refilled under the same offsets is recognised (see OffsetGuard).
        (2, """
            ALTER TABLE dw.consumer_offsets ADD COLUMN IF NOT EXISTS check_offset bigint;
            ALTER TABLE dw.consumer_offsets ADD COLUMN IF NOT EXISTS check_position text;
            """),
    ]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    public static func migrate(_ connection: PostgresConnection, logger: Logger) throws {
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock(7263541)")
            let hasSchema = try !connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'dw'").isEmpty
            if !hasSchema { try connection.execute("CREATE SCHEMA dw") }
            let hasVersions = try !connection.execute("SELECT 1 FROM pg_tables WHERE schemaname = 'dw' AND tablename = 'schema_version'").isEmpty
            let applied = hasVersions
                ? Set(try connection.execute("SELECT version FROM dw.schema_version").rows.compactMap { $0[0].flatMap { Int($0) } })
                : []
            for migration in migrations where !applied.contains(migration.version) {
                try connection.executeScript(migration.sql)
                try connection.execute("INSERT INTO dw.schema_version (version) VALUES ($1) ON CONFLICT DO NOTHING", [String(migration.version)])
                logger.notice("warehouse migrated", metadata: ["schema_version": "\(migration.version)"])
            }
            try connection.executeScript(WarehouseSQL.functions)
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
