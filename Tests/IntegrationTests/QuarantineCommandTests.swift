import Foundation
@testable import HelioApply
import HelioOps
import HelioTestSupport
import Logging
import Testing

/// Data quality's quarantine end to end: a rule of severity quarantine in apply's configuration
/// (ApplyService.applyConfig, as `helio apply` passes it) keeps failing changes out of the
/// ledger, and the built binary's `helio quality held|release|drop` lists them and decides on
/// them, with audit lines; release and drop are idempotent.
@Suite("helio quality held, release and drop (the built binary)", .serialized)
struct QuarantineCommandTests {
    static let rules = "energy.energy_kwh range 0.. quarantine, irradiance.irradiance_wm2 range 0..1500 quarantine"

    @Test("quarantined changes are listed, released with their rules as flags, dropped; each decision audited once")
    func decisions() throws {
        let stack = try LocalStack.fromEnvironment()
        try stack.withScratchWarehouse("tquarantine") { connection in
            try WarehouseSchema.live.migrate(connection, logger: Logger(label: "test"))
            let database = try connection.execute("SELECT current_database()").scalar ?? ""
            let url = LocalStack.url(stack.warehouseAdminURL, database: database)
            var configuration = HelioConfiguration()
            configuration.qualityRules = try Self.rules.split(separator: ",").map {
                try QualityRule.parse($0.trimmingCharacters(in: .whitespaces))
            }
            let applyConfig = ApplyService(config: configuration, logger: Logger(label: "test")).applyConfig

            try connection.execute("SELECT dw.create_staging()")
            try connection.execute("BEGIN")
            try connection.executeScript("""
                insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
                 (1, 'units', 'c', 7, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"name":"Roof","status":"active"}'),
                 (2, 'devices', 'c', 5, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"kind":"inverter","nominal_power_kw":"4.000","status":"active"}'),
                 (3, 'energy', 'c', 1, '0/200', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"0.9000","power_kw":"3.6000"}'),
                 (4, 'energy', 'c', 2, '0/210', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"-4.0000","power_kw":"1.0000"}'),
                 (5, 'irradiance', 'c', 1, '0/230', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"measured_at":"2026-04-03T09:00:00-03:00","irradiance_wm2":"9000.00","module_temp_c":"30.00"}');
                insert into pg_temp.stage_tx values
                 (1, '0/180', '2026-04-01 00:00:00+00', 2, '{"public.units":1,"public.devices":1}'),
                 (2, '0/280', '2026-04-02 12:00:00+00', 3, '{"public.energy":2,"public.irradiance":1}');
                """)
            _ = try connection.execute("SELECT dw.apply_staged($1::jsonb)::text", [applyConfig])
            try connection.execute("COMMIT")
            #expect(try connection.execute("SELECT sum(generated_kwh)::text FROM dw.fact_energy").scalar == "0.9000",
                    "the negative reading is held back")

            let environment = ["HELIO_WAREHOUSE_URL": url, "HELIO_QUALITY_RULES": Self.rules, "HELIO_LOG_FORMAT": "json"]
            let held = try ConfigCheckTests.helio(["quality", "held", "--json"], environment: environment)
            #expect(held.status == 0, "\(held.output)")
            let report = held.output.split(separator: "\n").first { $0.hasPrefix(#"{"count""#) } ?? ""
            #expect(report.contains(#""count":2"#) && report.contains(#""rules":"energy.energy_kwh.range""#)
                    && report.contains(#""row_id":"2""#), "\(held.output)")
            let text = try ConfigCheckTests.helio(["quality", "held", "--table", "irradiance"], environment: environment)
            #expect(text.output.contains("irradiance row 1") && text.output.contains("1 held"), "\(text.output)")

            let release = try ConfigCheckTests.helio(["quality", "release", "--rule", "energy.energy_kwh.range", "--by", "ana"],
                                                     environment: environment)
            #expect(release.status == 0 && release.output.contains("released 1 held change"), "\(release.output)")
            let audit = AuditLineTests.auditLines(release.output)
            #expect(audit.count == 1 && audit.first?["audit"] == "quality.release" && audit.first?["by"] == "ana", "\(release.output)")
            #expect(try connection.execute("""
                SELECT string_agg(generated_kwh::text || ' ' || coalesce(array_to_string(quality_flags, '+'), '-'), ', ' ORDER BY source_id)
                  FROM dw.fact_energy
                """).scalar == "0.9000 -, -4.0000 energy.energy_kwh.range", "released: applied, its rule a flag")
            #expect(try connection.execute("SELECT status || ' ' || decided_by FROM dw.quarantine WHERE source_table = 'energy'").scalar
                    == "released ana")
            let again = try ConfigCheckTests.helio(["quality", "release", "--rule", "energy.energy_kwh.range"], environment: environment)
            #expect(again.output.contains("released 0 held changes"), "\(again.output)")

            let unconfirmed = try ConfigCheckTests.helio(["quality", "drop", "--table", "irradiance"], environment: environment)
            #expect(unconfirmed.status == 64 && unconfirmed.output.contains("--yes"), "\(unconfirmed.output)")
            let drop = try ConfigCheckTests.helio(["quality", "drop", "--table", "irradiance", "--yes"], environment: environment)
            #expect(drop.status == 0 && drop.output.contains("dropped 1 held change"), "\(drop.output)")
            #expect(AuditLineTests.auditLines(drop.output).first?["audit"] == "quality.drop", "\(drop.output)")
            #expect(try connection.execute("SELECT count(*) FROM dw.irradiance_mirror").scalar == "0", "a dropped reading is never applied")
            let empty = try ConfigCheckTests.helio(["quality", "held"], environment: environment)
            #expect(empty.output.contains("nothing held in quarantine"), "\(empty.output)")
        }
    }
}
