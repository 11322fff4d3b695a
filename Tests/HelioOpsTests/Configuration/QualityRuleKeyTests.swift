import Foundation
@testable import HelioOps
import Testing

/// `quality.rules`: parsed from the file (a YAML list), the environment (comma-separated) and
/// refused by name when a rule names what does not exist or asks for what is not built.
@Suite("Configuration: data-quality rules")
struct QualityRuleKeyTests {
    @Test("the shipped defaults are all flag and round-trip through their text")
    func defaults() throws {
        let loaded = try load()
        #expect(loaded.configuration.qualityRules == QualityRule.defaults)
        #expect(QualityRule.defaults.allSatisfy { $0.severity == .flag })
        #expect(try QualityRule.parseList(QualityRule.defaults.map(\.text)) == QualityRule.defaults)
        #expect(QualityRule.defaults.map(\.name).contains("energy.energy_kwh.nominal_power"))
    }

    @Test("a YAML list and the variable: every kind, severities, the variable replacing the file's list, none")
    func parsed() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("helio.yaml", """
            quality:
              rules:
                - energy.power_kw not_null warn
                - energy.energy_kwh range -1.5..20
                - irradiance.device_id allowed 7|8
                - energy.measured_at future_skew 300 flag
                - energy.energy_kwh nominal_power 1.25
                - energy_compensate.compensated_kwh within_credit
            """)
        let rules = try load(file: file).configuration.qualityRules
        #expect(rules == [
            QualityRule(table: "energy", column: "power_kw", kind: .notNull, severity: .warn),
            QualityRule(table: "energy", column: "energy_kwh", kind: .range(min: Decimal(string: "-1.5"), max: 20)),
            QualityRule(table: "irradiance", column: "device_id", kind: .allowed(["7", "8"])),
            QualityRule(table: "energy", column: "measured_at", kind: .futureSkew(seconds: 300)),
            QualityRule(table: "energy", column: "energy_kwh", kind: .nominalPower(tolerance: Decimal(string: "1.25")!)),
            QualityRule(table: "energy_compensate", column: "compensated_kwh", kind: .withinCredit),
        ])
        let fromVariable = try load(file: file, environment: ["HELIO_QUALITY_RULES": "irradiance.module_temp_c range ..90 warn, energy.power_kw range 0.."])
        #expect(fromVariable.configuration.qualityRules.map(\.text)
                == ["irradiance.module_temp_c range ..90 warn", "energy.power_kw range 0.. flag"])
        let quarantined = try load(environment: ["HELIO_QUALITY_RULES": "energy.energy_kwh range 0.. quarantine"])
        #expect(quarantined.configuration.qualityRules.map(\.text) == ["energy.energy_kwh range 0.. quarantine"])
        #expect(quarantined.configuration.qualityRules.first?.severity == .quarantine)
        let pattern = try load(environment: ["HELIO_QUALITY_RULES": #"energy.power_kw pattern ^\d+\.\d{4}$ warn"#])
        #expect(pattern.configuration.qualityRules.map(\.text) == [#"energy.power_kw pattern ^\d+\.\d{4}$ warn"#])
        #expect(pattern.configuration.qualityRules.first?.jsonFields.contains { $0.0 == "pattern" && $0.1 == #"^\d+\.\d{4}$"# } == true)
        #expect(try load(environment: ["HELIO_QUALITY_RULES": "none"]).configuration.qualityRules.isEmpty)
    }

    @Test("refused by name: unknown table, unknown column (with the table's columns), unknown kind, bad arguments, repeats")
    func refused() throws {
        func failure(_ rules: String) -> String { loadFailure(environment: ["HELIO_QUALITY_RULES": rules]) ?? "(accepted)" }
        let table = failure("dim_users.name not_null")
        #expect(table.contains("quality.rules") && table.contains("unknown table 'dim_users'") && table.contains("energy, energy_compensate, irradiance"), "\(table)")
        let column = failure("energy.energy_kw range 0..")
        #expect(column.contains("unknown column 'energy_kw' of energy") && column.contains("device_id, measured_at, energy_kwh, power_kw"), "\(column)")
        #expect(failure("energy.energy_kwh positive").contains("unknown kind 'positive'"))
        #expect(failure("energy.energy_kwh range 0.. hold").contains("range takes one argument"), "an unknown severity is an extra argument")
        #expect(failure("energy.energy_kwh range 5..1").contains("MIN above MAX"))
        #expect(failure("energy.power_kw pattern ^[0-9+$").contains("is not a regular expression"))
        #expect(failure("energy.energy_kwh range ..").contains("at least one bound"))
        #expect(failure("energy.energy_kwh range zero..").contains("'zero' is not a number"))
        #expect(failure("energy.measured_at range 0..1").contains("numeric columns"))
        #expect(failure("energy.energy_kwh future_skew 60").contains("future_skew applies to"))
        #expect(failure("energy.power_kw nominal_power 1.2").contains("energy.energy_kwh only"))
        #expect(failure("energy.energy_kwh nominal_power 0").contains("tolerance above 0"))
        #expect(failure("irradiance.irradiance_wm2 within_credit").contains("energy_compensate.compensated_kwh only"))
        #expect(failure("energy.energy_kwh not_null 3").contains("takes no argument"))
        #expect(failure("irradiance.unit_id allowed a|b").contains("'a' is not a number"))
        #expect(failure("energy.energy_kwh range 0..,energy.energy_kwh range ..9 warn").contains("repeats rule energy.energy_kwh.range"))
    }
}
