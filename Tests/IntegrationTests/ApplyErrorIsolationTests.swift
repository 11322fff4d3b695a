import Foundation
import HelioApply
import HelioOps
import HelioTestSupport
import Testing

/// One change that decodes but cannot be applied (here: a constraint the warehouse has and the
/// source does not) no longer stops apply: through the real pipeline, the change is held in
/// quarantine with its error, the other tables and rows go on applying, the row's later change
/// waits behind it; after the fix `helio dlq replay` applies both in order and the
/// warehouse equals the source.
@Suite("Apply errors isolated", .serialized)
struct ApplyErrorIsolationTests {
    @Test("a change apply cannot apply is held, the rest applies; released after the fix, the warehouse equals the source")
    func heldThenReleased() throws {
        let env = try TestEnvironment("applyerror")
        defer { env.drop() }
        let (pipeline, config, _) = try env.seededPipeline(seed: 29)
        defer { try? pipeline.finish() }
        #expect(try env.waitForWarehouse().isEmpty)
        let warehouse = try env.warehouse()
        try warehouse.execute("ALTER TABLE dw.dim_units ADD CONSTRAINT units_city_known CHECK (city IS DISTINCT FROM 'Atlantis')")

        let source = try env.source()
        let units = try source.execute("SELECT id::text FROM units ORDER BY id LIMIT 2").rows.compactMap { $0[0] }
        let device = try #require(try source.execute("SELECT id::text FROM devices ORDER BY id LIMIT 1").scalar)
        try source.execute("UPDATE units SET city = 'Atlantis' WHERE id = $1::bigint", [units[0]])
        try source.execute("UPDATE units SET city = 'Recife' WHERE id = $1::bigint", [units[1]])
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw) VALUES ($1::bigint, '2026-03-14 10:00-03', 0.7, 2.8)",
                           [device])
        try source.execute("UPDATE units SET name = name || ' (renamed)' WHERE id = $1::bigint", [units[0]])

        try eventually("the bad change held and the others applied", within: 60) {
            let held = try warehouse.execute("SELECT string_agg(rules[1], ',' ORDER BY lsn) FROM dw.quarantine WHERE status = 'held'").scalar
            let other = try warehouse.execute("SELECT city FROM dw.dim_units WHERE unit_id = $1::bigint AND is_current", [units[1]]).scalar
            return held == "apply_error,behind_error" && other == "Recife"
        }
        #expect(try warehouse.execute("SELECT error FROM dw.quarantine WHERE rules[1] = 'apply_error'").scalar?.contains("units_city_known") == true)
        // The fact travels on its own topic and is released by the END watermark, so it can land
        // in a later apply batch than the held changes: wait for it while they are still held.
        try eventually("facts are not stuck behind the held dimension change", within: 60) {
            try warehouse.execute("SELECT count(*) FROM dw.fact_energy WHERE measured_at = '2026-03-14 10:00-03'").scalar == "1"
        }
        #expect(try warehouse.execute("SELECT count(*) FROM dw.quarantine WHERE status = 'held'").scalar == "2")
        #expect(try warehouse.execute("SELECT city IS DISTINCT FROM 'Atlantis' FROM dw.dim_units WHERE unit_id = $1::bigint AND is_current",
                                      [units[0]]).scalar == "t")

        // The fix, then the operator's release: both changes of the unit, in order.
        try warehouse.execute("ALTER TABLE dw.dim_units DROP CONSTRAINT units_city_known")
        let replay = try ConfigCheckTests.helio(["dlq", "replay", "--table", "units", "--by", "on-call"], environment: [
            "HELIO_WAREHOUSE_URL": config.warehouseURL ?? "", "HELIO_LOG_FORMAT": "json", "HELIO_PII_KEY": config.piiKey ?? ""])
        #expect(replay.status == 0 && replay.output.contains("re-applied 2 held changes"), "\(replay.output)")
        #expect(AuditLineTests.auditLines(replay.output).first?["audit"] == "dlq.replay", "\(replay.output)")
        #expect(try warehouse.execute("SELECT string_agg(status || ' ' || decided_by, ',') FROM dw.quarantine").scalar
                == "released on-call,released on-call")
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        #expect(try warehouse.execute("SELECT name LIKE '% (renamed)' FROM dw.dim_units WHERE unit_id = $1::bigint AND is_current",
                                      [units[0]]).scalar == "t")
    }
}
