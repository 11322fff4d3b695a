import Foundation
import HelioJobs
import HelioPostgres
import HelioTestSupport
import Testing

/// `helio quality report --per-unit` (the built binary) and the counts it reads
/// (`QualityFindings.perDay`): one row per day, table, plant and rule.
@Suite("helio quality report per unit (the built binary)", .serialized)
struct QualityReportPerUnitTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("counts per day, table, unit and rule in csv, json and table; summed over units without --per-unit")
    func perUnit() throws {
        let stack = try LocalStack.fromEnvironment()
        try stack.withScratchWarehouse("tqunit") { connection in
            let commit = Self.at("2026-04-02T15:00:00Z")
            try QualityFixture.apply(connection, [
                .init(commit: commit, readings: [
                    .init(device: 5, energyKWh: "-4.0000", measuredAt: Self.at("2026-04-02T11:00:00Z")),
                    .init(device: 5, energyKWh: "12.0000", measuredAt: Self.at("2026-04-02T11:15:00Z")),
                    .init(device: 6, energyKWh: "12.0000", measuredAt: Self.at("2026-04-02T11:15:00Z")),
                    .init(device: 6, energyKWh: "0.9000", measuredAt: Self.at("2026-04-02T11:30:00Z")),
                ], irradiance: [("9000.00", Self.at("2026-04-03T12:00:00Z"))]),
            ])
            let counts = try QualityFindings(connection: connection).perDay(since: nil)
            #expect(counts.map { "\($0.day) \($0.table) \($0.unit.map(String.init) ?? "-") \($0.rule) \($0.violations)" } == [
                "2026-04-02 energy 7 energy.energy_kwh.nominal_power 1",
                "2026-04-02 energy 7 energy.energy_kwh.range 1",
                "2026-04-02 energy 7 energy.power_kw.range 1",
                "2026-04-02 energy 8 energy.energy_kwh.nominal_power 1",
                "2026-04-03 irradiance 7 irradiance.irradiance_wm2.range 1",
            ])

            let database = try connection.execute("SELECT current_database()").scalar ?? ""
            let environment = ["HELIO_WAREHOUSE_URL": LocalStack.url(stack.warehouseAdminURL, database: database)]
            func report(_ arguments: [String]) throws -> [Substring] {
                let run = try ConfigCheckTests.helio(["quality", "report", "--log-format", "json"] + arguments, environment: environment)
                #expect(run.status == 0, "\(run.output)")
                return run.output.split(separator: "\n").filter { !$0.hasPrefix(#"{"ts""#) }
            }
            #expect(try report(["--format", "csv", "--per-unit"]) == [
                "day,table,unit,rule,violations",
                "2026-04-02,energy,7,energy.energy_kwh.nominal_power,1",
                "2026-04-02,energy,7,energy.energy_kwh.range,1",
                "2026-04-02,energy,7,energy.power_kw.range,1",
                "2026-04-02,energy,8,energy.energy_kwh.nominal_power,1",
                "2026-04-03,irradiance,7,irradiance.irradiance_wm2.range,1",
            ])
            // Without --per-unit the two plants' nominal-power flags are one row.
            #expect(try report(["--format", "csv"]).contains("2026-04-02,energy,energy.energy_kwh.nominal_power,2"))
            let json = try report(["--format", "json", "--per-unit", "--since", "2026-04-03"]).joined()
            #expect(json.contains(#""rows":[{"day":"2026-04-03","rule":"irradiance.irradiance_wm2.range","table":"irradiance","unit":7,"violations":1}]"#), "\(json)")
            #expect(json.contains(#""total":1"#), "\(json)")
            let table = try report(["--per-unit"])
            #expect(table.first?.split(separator: " ", omittingEmptySubsequences: true) == ["day", "table", "unit", "rule", "violations"], "\(table)")
            #expect(table.last == "total 5", "\(table)")
        }
    }
}
