import Foundation
import HelioApply
import HelioOps
import HelioTestSupport
import Testing

/// `helio apply pause|resume --table T` (the built binary) beside a running pipeline: a paused
/// table's changes are held while the other tables go on; resume applies them in order and the
/// warehouse equals the source; both audited.
@Suite("helio apply pause and resume", .serialized)
struct TablePauseTests {
    @Test("a paused table holds its changes, the others go on; resumed, it catches up")
    func pauseAndResume() throws {
        let env = try TestEnvironment("tablepause")
        defer { env.drop() }
        let (pipeline, config, _) = try env.seededPipeline(seed: 31)
        defer { try? pipeline.finish() }
        #expect(try env.waitForWarehouse().isEmpty)
        let environment = ["HELIO_WAREHOUSE_URL": config.warehouseURL ?? "", "HELIO_LOG_FORMAT": "json",
                           "HELIO_PII_KEY": config.piiKey ?? ""]

        let pause = try ConfigCheckTests.helio(["apply", "pause", "--table", "irradiance", "--by", "ana"], environment: environment)
        #expect(pause.status == 0 && pause.output.contains("paused irradiance"), "\(pause.output)")
        #expect(AuditLineTests.auditLines(pause.output).first?["audit"] == "apply.pause", "\(pause.output)")
        let bad = try ConfigCheckTests.helio(["apply", "pause", "--table", "dim_units"], environment: environment)
        #expect(bad.status != 0 && bad.output.contains("--table must be one of"), "\(bad.output)")

        let source = try env.source()
        let unit = try #require(try source.execute("SELECT id::text FROM units ORDER BY id LIMIT 1").scalar)
        let device = try #require(try source.execute("SELECT id::text FROM devices ORDER BY id LIMIT 1").scalar)
        try source.execute("""
            INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
            SELECT $1::bigint, '2026-03-20 08:00-03'::timestamptz + g * interval '15 minutes', 500 + g, 30, 20 FROM generate_series(1, 5) g
            """, [unit])
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw) VALUES ($1::bigint, '2026-03-20 10:00-03', 0.5, 2)",
                           [device])
        let warehouse = try env.warehouse()
        try eventually("the energy applied and the readings held", within: 60) {
            try warehouse.execute("SELECT count(*) FROM dw.fact_energy WHERE measured_at = '2026-03-20 10:00-03'").scalar == "1"
                && warehouse.execute("SELECT count(*) FROM dw.quarantine WHERE status = 'held' AND rules = '{paused}'").scalar == "5"
        }
        #expect(try warehouse.execute("SELECT count(*) FROM dw.irradiance_mirror WHERE measured_at >= '2026-03-20 08:00-03'").scalar == "0")

        let resume = try ConfigCheckTests.helio(["apply", "resume", "--table", "irradiance"], environment: environment)
        #expect(resume.status == 0 && resume.output.contains("resumed irradiance: 5 held changes applied"), "\(resume.output)")
        #expect(AuditLineTests.auditLines(resume.output).first?["audit"] == "apply.resume", "\(resume.output)")
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }
}
