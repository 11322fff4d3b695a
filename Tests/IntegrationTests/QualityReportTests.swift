import Foundation
@testable import HelioApply
import HelioOps
import HelioPostgres
import HelioTestSupport
import Logging
import Testing

/// Data quality end to end on a small warehouse: the shipped default rules as apply hands them
/// to `dw.apply_staged` (ApplyService.applyConfig), the counts in its stats, the flags stored,
/// and `helio quality report` (the built binary) in its three formats and with --since.
@Suite("helio quality report (the built binary)", .serialized)
struct QualityReportTests {
    @Test("helio config check shows the rules in force (quarantine among them) and refuses unknown columns by name (exit 64)")
    func configCheck() throws {
        let shown = try ConfigCheckTests.helio(["config", "check"])
        #expect(shown.output.contains("energy.energy_kwh nominal_power 1.2 flag"), "\(shown.output)")
        let quarantine = try ConfigCheckTests.helio(["config", "check"], environment: ["HELIO_QUALITY_RULES": "energy.energy_kwh range 0.. quarantine"])
        #expect(quarantine.status == 0 && quarantine.output.contains("energy.energy_kwh range 0.. quarantine"), "\(quarantine.output)")
        let column = try ConfigCheckTests.helio(["config", "check"], environment: ["HELIO_QUALITY_RULES": "irradiance.irradiance range 0..1500"])
        #expect(column.status == 64 && column.output.contains("unknown column 'irradiance' of irradiance"), "\(column.output)")
    }

    @Test("default rules flag implausible facts and readings; the report counts them per day, table and rule")
    func report() throws {
        let stack = try LocalStack.fromEnvironment()
        try stack.withScratchWarehouse("tquality") { connection in
            try WarehouseSchema.live.migrate(connection, logger: Logger(label: "test"))
            let database = try connection.execute("SELECT current_database()").scalar ?? ""
            let url = LocalStack.url(stack.warehouseAdminURL, database: database)
            let config = ApplyService(config: HelioConfiguration(), logger: Logger(label: "test")).applyConfig

            try connection.execute("SELECT dw.create_staging()")
            try connection.execute("BEGIN")
            try connection.executeScript("""
                insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
                 (1, 'units', 'c', 7, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"name":"Roof","status":"active"}'),
                 (2, 'devices', 'c', 5, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"kind":"inverter","nominal_power_kw":"4.000","status":"active"}'),
                 (3, 'energy', 'c', 1, '0/200', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"0.9000","power_kw":"3.6000"}'),
                 (4, 'energy', 'c', 2, '0/210', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"-4.0000","power_kw":"-16.0000"}'),
                 (5, 'energy', 'c', 3, '0/220', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-03T08:30:00-03:00","energy_kwh":"12.0000","power_kw":"48.0000"}'),
                 (6, 'irradiance', 'c', 1, '0/230', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"measured_at":"2026-04-03T09:00:00-03:00","irradiance_wm2":"9000.00","module_temp_c":"30.00"}');
                insert into pg_temp.stage_tx values
                 (1, '0/180', '2026-04-01 00:00:00+00', 2, '{"public.units":1,"public.devices":1}'),
                 (2, '0/280', '2026-04-02 12:00:00+00', 4, '{"public.energy":3,"public.irradiance":1}');
                """)
            let stats = try connection.execute("SELECT dw.apply_staged($1::jsonb)::text", [config]).scalar ?? ""
            try connection.execute("COMMIT")
            #expect(stats.contains(#"{"n": 1, "rule": "energy.energy_kwh.range", "table": "energy"}"#), "\(stats)")
            #expect(stats.contains(#"{"n": 1, "rule": "energy.energy_kwh.nominal_power", "table": "energy"}"#), "\(stats)")
            #expect(stats.contains(#"{"n": 1, "rule": "energy.power_kw.range", "table": "energy"}"#), "\(stats)")
            #expect(stats.contains(#"{"n": 1, "rule": "irradiance.irradiance_wm2.range", "table": "irradiance"}"#), "\(stats)")
            // flag: applied as the source has it
            #expect(try connection.execute("SELECT sum(generated_kwh)::text FROM dw.fact_energy").scalar == "8.9000")

            let environment = ["HELIO_WAREHOUSE_URL": url]
            let csv = try ConfigCheckTests.helio(["quality", "report", "--format", "csv", "--log-format", "json"], environment: environment)
            #expect(csv.status == 0, "\(csv.output)")
            let lines = csv.output.split(separator: "\n").filter { !$0.hasPrefix("{") }
            #expect(lines == [
                "day,table,rule,violations",
                "2026-04-02,energy,energy.energy_kwh.range,1",
                "2026-04-02,energy,energy.power_kw.range,1",
                "2026-04-03,energy,energy.energy_kwh.nominal_power,1",
                "2026-04-03,irradiance,irradiance.irradiance_wm2.range,1",
            ], "\(csv.output)")

            let json = try ConfigCheckTests.helio(["quality", "report", "--format", "json", "--since", "2026-04-03", "--log-format", "json"],
                                                  environment: environment)
            let report = json.output.split(separator: "\n").first { $0.hasPrefix(#"{"rows""#) || $0.contains(#""since""#) } ?? ""
            #expect(report.contains(#""since":"2026-04-03""#) && report.contains(#""total":2"#), "\(json.output)")
            #expect(!report.contains("2026-04-02"), "\(json.output)")

            let table = try ConfigCheckTests.helio(["quality", "report", "--log-format", "json"], environment: environment)
            #expect(table.output.contains("energy.energy_kwh.nominal_power") && table.output.contains("total 4"), "\(table.output)")
            let none = try ConfigCheckTests.helio(["quality", "report", "--since", "2027-01-01", "--log-format", "json"], environment: environment)
            #expect(none.output.contains("no flagged rows since 2027-01-01"), "\(none.output)")
            let bad = try ConfigCheckTests.helio(["quality", "report", "--since", "yesterday"], environment: environment)
            #expect(bad.status != 0 && bad.output.contains("--since must be a date"), "\(bad.output)")
        }
    }
}
