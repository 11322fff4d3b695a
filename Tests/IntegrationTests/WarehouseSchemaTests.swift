import Foundation
import HelioApply
import HelioPostgres
import HelioTestSupport
import Logging
import Testing

@Suite("Warehouse schema migrations", .serialized)
struct WarehouseSchemaTests {
    @Test("an empty database is migrated to the latest version; a warehouse migrated by a newer Helio is refused untouched")
    func migrationsAndNewerWarehouse() throws {
        try LocalStack.fromEnvironment().withScratchWarehouse("tschema") { connection in
            let logger = Logger(label: "test")

            try WarehouseSchema.live.migrate(connection, logger: logger)
            try WarehouseSchema.live.migrate(connection, logger: logger)   // idempotent
            let versions = try connection.execute("SELECT version FROM dw.schema_version ORDER BY version").rows.compactMap { $0[0] }
            #expect(versions == (1...WarehouseSchema.latestVersion).map(String.init))
            // version 5 records that energy rows may keep their state in the ledger only
            #expect(try connection.execute("SELECT obj_description('dw.fact_state'::regclass)").scalar?.contains("_fact_state_from_ledger") == true)

            let newer = WarehouseSchema.latestVersion + 1
            try connection.execute("INSERT INTO dw.schema_version (version) VALUES ($1)", [String(newer)])
            try connection.execute("CREATE OR REPLACE FUNCTION dw.apply_staged(p_config jsonb default '{}') RETURNS jsonb LANGUAGE sql AS $$ SELECT '{\"newer\": true}'::jsonb $$")
            var refusal: String?
            do {
                try WarehouseSchema.live.migrate(connection, logger: logger)
            } catch {
                refusal = "\(error)"
            }
            #expect(refusal?.contains("migrated by a newer Helio (schema version \(newer)") == true, "\(refusal ?? "not refused")")
            // the newer Helio's functions are still there: nothing was replaced
            #expect(try connection.execute("SELECT dw.apply_staged()::text").scalar == "{\"newer\": true}")
        }
    }
    /// Migration 12 moves the truncate barrier's arrival counts from one row per transaction
    /// (which every applier sharing the warehouse wrote) to rows per partition: counts of a
    /// warehouse at version 11 carry over, so a truncate waiting across the upgrade still
    /// waits for exactly what had not arrived.
    @Test("migration 12: arrival counts kept per transaction carry over to per-partition rows")
    func arrivalCountsCarryOver() throws {
        try LocalStack.fromEnvironment().withScratchWarehouse("tschema12") { connection in
            let logger = Logger(label: "test")
            try WarehouseSchema.live.migrate(connection, logger: logger)
            // back to version 11's layout, with a transaction 2 of 3 users arrived and one
            // whose END had not been seen (1 energy event arrived)
            try connection.execute("""
                DELETE FROM dw.schema_version WHERE version = 12;
                ALTER TABLE dw.tx_arrival ADD COLUMN arrived int NOT NULL DEFAULT 0;
                ALTER TABLE dw.tx_arrival_partition DROP COLUMN arrived;
                INSERT INTO dw.tx_arrival (commit_lsn, source_table, expected, arrived, end_seen_at)
                VALUES ('0/190', 'users', 3, 2, now()), ('0/290', 'energy', null, 1, null);
                INSERT INTO dw.tx_arrival_partition (commit_lsn, source_table, kpartition, max_lsn, max_row)
                VALUES ('0/190', 'users', 0, '0/120', 7), ('0/290', 'energy', 1, '0/210', 9);
                """)
            try WarehouseSchema.live.migrate(connection, logger: logger)
            #expect(try connection.execute("SELECT max(version) FROM dw.schema_version").scalar == String(WarehouseSchema.latestVersion))
            let rows = try connection.execute("""
                SELECT commit_lsn || ' ' || source_table || ' ' || kpartition || ' ' || arrived FROM dw.tx_arrival_partition ORDER BY 1
                """).rows.compactMap { $0[0] }
            #expect(rows == ["0/190 users -2 2", "0/190 users 0 0", "0/290 energy -2 1", "0/290 energy 1 0"])
            #expect(try connection.execute("SELECT dw._arrived('0/190', 'users') || '/' || expected FROM dw.tx_arrival").scalar == "2/3",
                    "the transaction still waits for one user; the row without an END is gone (its count is kept by partition)")
            #expect(try connection.execute("""
                SELECT count(*) FROM information_schema.columns WHERE table_schema = 'dw' AND table_name = 'tx_arrival' AND column_name = 'arrived'
                """).scalar == "0")
        }
    }
}
