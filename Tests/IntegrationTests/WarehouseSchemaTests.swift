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
}
