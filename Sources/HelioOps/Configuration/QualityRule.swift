import Foundation

/// One data-quality rule (`quality.rules`), checked by apply on every batch, set-based in the
/// warehouse (`dw._quality_check`). Written as one line:
///
///     <table>.<column> <kind> [<argument>] [<severity>]
///
/// - `not_null`
/// - `range MIN..MAX` (either side may be left out: `0..`, `..100`)
/// - `allowed A|B|C`
/// - `pattern REGEX` (the value's text must match; PostgreSQL's `~`, no spaces: use `\s`)
/// - `future_skew SECONDS` (the value may be at most this far after the change's commit time)
/// - `nominal_power TOLERANCE` (energy.energy_kwh only: at most the device's nominal power, in
///   the version valid at the reading's time, × `apply.sample_minutes` × TOLERANCE)
/// - `within_credit` (energy_compensate.compensated_kwh only: at most injected + credit)
///
/// Severity `flag` (the default: applied, the ledger entry or reading carries the rule's name),
/// `quarantine` (not applied: kept in `dw.quarantine` until a later change of the row passes,
/// or an operator releases or drops it) or `warn` (counted only).
public struct QualityRule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case notNull
        case range(min: Decimal?, max: Decimal?)
        case allowed([String])
        case pattern(String)
        case futureSkew(seconds: Double)
        case nominalPower(tolerance: Decimal)
        case withinCredit

        var name: String {
            switch self {
            case .notNull: "not_null"
            case .range: "range"
            case .allowed: "allowed"
            case .pattern: "pattern"
            case .futureSkew: "future_skew"
            case .nominalPower: "nominal_power"
            case .withinCredit: "within_credit"
            }
        }
    }

    public enum Severity: String, Sendable, CaseIterable { case flag, quarantine, warn }

    public let table: String
    public let column: String
    public let kind: Kind
    public let severity: Severity

    /// `<table>.<column>.<kind>`: how the rule is named in flags, metrics and reports.
    public var name: String { "\(table).\(column).\(kind.name)" }

    public init(table: String, column: String, kind: Kind, severity: Severity = .flag) {
        self.table = table
        self.column = column
        self.kind = kind
        self.severity = severity
    }

    /// The source columns rules may name, per table (the fact tables and irradiance).
    public static let columns: [String: [String]] = [
        "energy": ["device_id", "measured_at", "energy_kwh", "power_kw"],
        "energy_compensate": ["unit_id", "reference_month", "injected_kwh", "consumed_kwh", "compensated_kwh", "credit_balance_kwh"],
        "irradiance": ["unit_id", "device_id", "measured_at", "irradiance_wm2", "module_temp_c", "ambient_temp_c"],
    ]
    static let timeColumns: Set<String> = ["measured_at", "reference_month"]
    static let tableOrder = ["energy", "energy_compensate", "irradiance"]

    /// The shipped defaults, all `flag`: the warehouse still equals the source. (No
    /// `future_skew`: the simulator's clock runs ahead of real time, so every demo reading
    /// would fail it; production sets it, see docs/operations.md.)
    public static let defaults: [QualityRule] = [
        .init(table: "energy", column: "energy_kwh", kind: .range(min: 0, max: nil)),
        .init(table: "energy", column: "energy_kwh", kind: .nominalPower(tolerance: Decimal(string: "1.2")!)),
        .init(table: "energy", column: "power_kw", kind: .range(min: 0, max: nil)),
        .init(table: "energy_compensate", column: "compensated_kwh", kind: .withinCredit),
        .init(table: "irradiance", column: "irradiance_wm2", kind: .range(min: 0, max: 1500)),
        .init(table: "irradiance", column: "module_temp_c", kind: .range(min: -40, max: 100)),
    ]

    /// Parses one rule line; the error says what is wrong with it, naming the rule.
    public static func parse(_ line: String) throws(QualityRuleProblem) -> QualityRule {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count >= 2 else {
            throw QualityRuleProblem(rule: line, problem: "is not '<table>.<column> <kind> [argument] [flag|quarantine|warn]'")
        }
        let target = words[0].split(separator: ".", maxSplits: 1).map(String.init)
        guard target.count == 2 else { throw QualityRuleProblem(rule: line, problem: "must start with <table>.<column>") }
        let (table, column) = (target[0], target[1])
        guard let known = columns[table] else {
            throw QualityRuleProblem(rule: line, problem: "names unknown table '\(table)' (rules apply to "
                                     + tableOrder.joined(separator: ", ") + ")")
        }
        guard known.contains(column) else {
            throw QualityRuleProblem(rule: line, problem: "names unknown column '\(column)' of \(table) (its columns: "
                                     + known.joined(separator: ", ") + ")")
        }
        var rest = Array(words.dropFirst(2))
        var severity = Severity.flag
        if let last = rest.last, let chosen = Severity(rawValue: last) {
            severity = chosen
            rest.removeLast()
        }
        let numeric = !timeColumns.contains(column)
        let kind: Kind
        switch (words[1], rest.count) {
        case ("not_null", 0): kind = .notNull
        case ("within_credit", 0):
            guard table == "energy_compensate", column == "compensated_kwh" else {
                throw QualityRuleProblem(rule: line, problem: "within_credit applies to energy_compensate.compensated_kwh only")
            }
            kind = .withinCredit
        case ("range", 1):
            guard numeric else { throw QualityRuleProblem(rule: line, problem: "range applies to numeric columns (use future_skew for times)") }
            let bounds = rest[0].components(separatedBy: "..")
            guard bounds.count == 2 else { throw QualityRuleProblem(rule: line, problem: "range needs MIN..MAX (either may be left out)") }
            let min = try bound(bounds[0], line), max = try bound(bounds[1], line)
            guard min != nil || max != nil else { throw QualityRuleProblem(rule: line, problem: "range needs at least one bound") }
            if let min, let max, min > max { throw QualityRuleProblem(rule: line, problem: "range has MIN above MAX") }
            kind = .range(min: min, max: max)
        case ("allowed", 1):
            let values = rest[0].split(separator: "|").map(String.init)
            if numeric, let bad = values.first(where: { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) == nil }) {
                throw QualityRuleProblem(rule: line, problem: "allowed value '\(bad)' is not a number (\(column) is numeric)")
            }
            guard !values.isEmpty else { throw QualityRuleProblem(rule: line, problem: "allowed needs values A|B|C") }
            kind = .allowed(values)
        case ("pattern", 1):
            guard (try? NSRegularExpression(pattern: rest[0])) != nil else {
                throw QualityRuleProblem(rule: line, problem: "pattern '\(rest[0])' is not a regular expression")
            }
            kind = .pattern(rest[0])
        case ("future_skew", 1):
            guard !numeric else { throw QualityRuleProblem(rule: line, problem: "future_skew applies to measured_at / reference_month") }
            guard let seconds = Double(rest[0]), seconds.isFinite, seconds >= 0 else {
                throw QualityRuleProblem(rule: line, problem: "future_skew needs a number of seconds, 0 or more")
            }
            kind = .futureSkew(seconds: seconds)
        case ("nominal_power", 1):
            guard table == "energy", column == "energy_kwh" else {
                throw QualityRuleProblem(rule: line, problem: "nominal_power applies to energy.energy_kwh only")
            }
            guard let tolerance = try bound(rest[0], line), tolerance > 0 else {
                throw QualityRuleProblem(rule: line, problem: "nominal_power needs a tolerance above 0 (1.2: 20 % above nominal)")
            }
            kind = .nominalPower(tolerance: tolerance)
        case ("not_null", _), ("within_credit", _):
            throw QualityRuleProblem(rule: line, problem: "\(words[1]) takes no argument")
        case ("range", _), ("allowed", _), ("pattern", _), ("future_skew", _), ("nominal_power", _):
            throw QualityRuleProblem(rule: line, problem: "\(words[1]) takes one argument")
        default:
            throw QualityRuleProblem(rule: line, problem: "has unknown kind '\(words[1])' (not_null, range, allowed, pattern, future_skew, "
                                     + "nominal_power, within_credit)")
        }
        return QualityRule(table: table, column: column, kind: kind, severity: severity)
    }

    private static func bound(_ text: String, _ line: String) throws(QualityRuleProblem) -> Decimal? {
        guard !text.isEmpty else { return nil }
        guard text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }),
              let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw QualityRuleProblem(rule: line, problem: "'\(text)' is not a number")
        }
        return value
    }

    /// Parses `quality.rules`: `none` (or `off`) alone means no rules; two rules of one name
    /// (the same kind on the same column) are refused.
    public static func parseList(_ lines: [String]) throws(QualityRuleProblem) -> [QualityRule] {
        if lines.count == 1, ["none", "off"].contains(lines[0].lowercased()) { return [] }
        var rules: [QualityRule] = []
        for line in lines {
            let rule = try parse(line)
            guard !rules.contains(where: { $0.name == rule.name }) else {
                throw QualityRuleProblem(rule: line, problem: "repeats rule \(rule.name) (one rule of a kind per column)")
            }
            rules.append(rule)
        }
        return rules
    }

    /// The rule as written in the configuration.
    public var text: String {
        let argument: String? = switch kind {
        case .notNull, .withinCredit: nil
        case let .range(min, max): "\(min.map { "\($0)" } ?? "")..\(max.map { "\($0)" } ?? "")"
        case let .allowed(values): values.joined(separator: "|")
        case let .pattern(expression): expression
        case let .futureSkew(seconds): ConfigurationKey.trimmed(seconds)
        case let .nominalPower(tolerance): "\(tolerance)"
        }
        return ["\(table).\(column)", kind.name, argument, severity.rawValue].compactMap { $0 }.joined(separator: " ")
    }

    /// The rule as `dw.apply_staged` reads it from `p_config.quality_rules`.
    public var jsonFields: [(String, String?, [String]?)] {
        var fields: [(String, String?, [String]?)] = [("name", name, nil), ("table", table, nil), ("column", column, nil),
                                                      ("kind", kind.name, nil), ("severity", severity.rawValue, nil)]
        switch kind {
        case .notNull, .withinCredit: break
        case let .range(min, max):
            if let min { fields.append(("min", "\(min)", nil)) }
            if let max { fields.append(("max", "\(max)", nil)) }
        case let .allowed(values): fields.append(("values", nil, values))
        case let .pattern(expression): fields.append(("pattern", expression, nil))
        case let .futureSkew(seconds): fields.append(("seconds", ConfigurationKey.trimmed(seconds), nil))
        case let .nominalPower(tolerance): fields.append(("tolerance", "\(tolerance)", nil))
        }
        return fields
    }
}

/// Why a rule line was refused, naming the line.
public struct QualityRuleProblem: Error, CustomStringConvertible {
    public let rule: String
    public let problem: String
    public var description: String { "rule '\(rule)' \(problem)" }
}
