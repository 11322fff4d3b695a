import Foundation
import HelioApply
import HelioOps
import HelioTestSupport
import Testing

/// Quarantine through the real pipeline (capture → Kafka → apply, a rule of severity
/// quarantine in apply's configuration): an implausible reading never reaches the ledger or
/// the climate, `helio verify`'s checks do not count a row held in quarantine as a
/// difference (and would without that accounting), and the source's later correction of the
/// row is applied and supersedes the held change.
@Suite("Quarantine through the pipeline", .serialized)
struct QuarantinePipelineTests {
    @Test("held rows are kept out and accounted for by verify; a later correction applies and supersedes them")
    func heldThenCorrected() throws {
        let env = try TestEnvironment("quarantinepipe")
        defer { env.drop() }
        let (pipeline, _, _) = try env.seededPipeline(seed: 23) {
            $0.qualityRules = [try QualityRule.parse("energy.energy_kwh range 0.. quarantine"),
                           try QualityRule.parse("irradiance.irradiance_wm2 range 0..1500 quarantine")]
        }
        defer { try? pipeline.finish() }
        let source = try env.source()
        let device = try #require(try source.execute("SELECT id::text FROM devices ORDER BY id LIMIT 1").scalar)
        let unit = try #require(try source.execute("SELECT id::text FROM units ORDER BY id LIMIT 1").scalar)
        let energyID = try #require(try source.execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
            VALUES ($1::bigint, '2026-03-12 10:00-03', -40, 1) RETURNING id::text
            """, [device]).scalar)
        let readingID = try #require(try source.execute("""
            INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
            VALUES ($1::bigint, '2026-03-12 10:00-03', 9000, 30, 20) RETURNING id::text
            """, [unit]).scalar)
        try source.execute("""
            INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
            VALUES ($1::bigint, '2026-03-12 10:15-03', 700, 30, 20)
            """, [unit])

        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "rows held in quarantine are not differences: \(differences.prefix(10))")
        let warehouse = try env.warehouse()
        #expect(try warehouse.execute("SELECT count(*) FROM dw.fact_energy WHERE source_table = 'energy' AND source_id = $1::bigint",
                                      [energyID]).scalar == "0", "the negative reading is not in the ledger")
        #expect(try warehouse.execute("SELECT count(*) FROM dw.irradiance_mirror WHERE id = $1::bigint", [readingID]).scalar == "0")
        #expect(try warehouse.execute("SELECT string_agg(source_table || ' ' || status, ', ' ORDER BY source_table) FROM dw.quarantine")
                    .scalar == "energy held, irradiance held")
        // Without the accounting the same warehouse differs: the held rows are real gaps.
        try warehouse.execute("UPDATE dw.quarantine SET status = 'superseded'")
        let unaccounted = try env.verifier().verify().map(\.description)
        #expect(unaccounted.contains { $0.hasPrefix("fact_energy sums per energy row [\(energyID)]: missing in the warehouse") }, "\(unaccounted)")
        #expect(unaccounted.contains { $0.hasPrefix("dim_day_climate [\(unit) 2026-03-12]") }, "\(unaccounted)")
        try warehouse.execute("UPDATE dw.quarantine SET status = 'held'")

        // The source corrects both rows: applied, and the held changes superseded.
        try source.execute("UPDATE energy SET energy_kwh = 0.4 WHERE id = $1::bigint", [energyID])
        try source.execute("UPDATE irradiance SET irradiance_wm2 = 900 WHERE id = $1::bigint", [readingID])
        try eventually("the corrections to supersede the held changes", within: 60) {
            try warehouse.execute("SELECT count(*) FROM dw.quarantine WHERE status = 'superseded'").scalar == "2"
        }
        #expect(try warehouse.execute("""
            SELECT string_agg(entry_kind || ' ' || generated_kwh, ', ') FROM dw.fact_energy WHERE source_table = 'energy' AND source_id = $1::bigint
            """, [energyID]).scalar == "original 0.4000", "the correction is the row's first entry")
        let after = try env.waitForWarehouse()
        #expect(after.isEmpty, "\(after.prefix(10))")
    }
}
