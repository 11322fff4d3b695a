/// The data-quality keys (`QualityRule`, `HelioConfiguration.qualityRules`).
extension HelioConfiguration {
    static let qualityKeys: [ConfigurationKey] = [
        .init("quality.rules", "HELIO_QUALITY_RULES", shape: .list,
              expectation: "a list of rules '<table>.<column> <kind> [argument] [flag|warn]', or none",
              summary: "data-quality rules apply checks on every batch (docs/operations.md, Data quality); none: no rules",
              assign: { config, value in
                  let lines = try value.items()
                  do throws(QualityRuleProblem) {
                      config.qualityRules = try QualityRule.parseList(lines)
                  } catch {
                      throw ConfigurationError(key: "quality.rules", problem: error.description)
                  }
              },
              render: { config in config.qualityRules.isEmpty ? "none" : config.qualityRules.map(\.text).joined(separator: ", ") }),
    ]
}
