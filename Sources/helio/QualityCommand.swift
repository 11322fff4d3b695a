import ArgumentParser
import Foundation
import HelioJobs
import HelioOps

/// `helio quality`: what the data-quality rules found (docs/operations.md, Data quality).
struct Quality: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Data-quality findings of the rules apply checks (quality.rules).",
        subcommands: [Report.self, QualityQuarantine.Held.self, QualityQuarantine.Release.self, QualityQuarantine.Drop.self])

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Flagged ledger entries and readings per day, table and rule (and plant, with --per-unit), from the warehouse's stored flags.",
            discussion: "Example: helio quality report --config /etc/helio/helio.yaml --since 7d --format json")
        @OptionGroup var options: GlobalOptions<WarehouseKeys>
        @Option(help: "Only days from this one on: a date (2026-04-01) or a number of days back (7d).")
        var since: String?
        @Option(help: "table, json or csv.") var format: ReportFormat = .table
        @Flag(help: "One row per plant too (column unit: the plant's unit_id).") var perUnit = false

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

        func run() throws {
            let (config, _) = try options.start("helio.quality")
            let sinceDay = try since.map(Self.day)
            let counts = try QualityFindings(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL")).perDay(since: sinceDay)
            print(Self.render(Self.rows(counts, perUnit: perUnit), format: format, since: sinceDay, perUnit: perUnit), terminator: "")
        }

        /// The warehouse's counts per day, table, unit and rule, summed over the units unless
        /// `perUnit` (the order stays day, table, unit, rule).
        static func rows(_ counts: [QualityFindings.DayCount], perUnit: Bool) -> [Row] {
            guard !perUnit else {
                return counts.map { Row(day: $0.day, table: $0.table, unit: $0.unit, rule: $0.rule, violations: $0.violations) }
            }
            var rows: [Row] = []
            var index: [String: Int] = [:]
            for count in counts {
                let key = "\(count.day)|\(count.table)|\(count.rule)"
                if let at = index[key] {
                    rows[at].violations += count.violations
                } else {
                    index[key] = rows.count
                    rows.append(Row(day: count.day, table: count.table, unit: nil, rule: count.rule, violations: count.violations))
                }
            }
            return rows.sorted { ($0.day, $0.table, $0.rule) < ($1.day, $1.table, $1.rule) }
        }

        /// `2026-04-01` as given, or `7d`: that many days before today (UTC).
        static func day(_ text: String) throws -> String {
            if text.hasSuffix("d"), let days = Int(text.dropLast()), days >= 0 {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyy-MM-dd"
                return formatter.string(from: Date().addingTimeInterval(-Double(days) * 86_400))
            }
            guard text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else {
                throw ValidationError("--since must be a date (2026-04-01) or a number of days back (7d), not '\(text)'")
            }
            return text
        }

        struct Row {
            let day: String
            let table: String
            let unit: Int64?
            let rule: String
            var violations: Int
        }

        /// A row as JSON: `unit` only in the per-unit form (null for entries without a plant).
        struct JSONRow: Encodable {
            let day: String
            let table: String
            let unit: Int64?
            let rule: String
            let violations: Int
            let perUnit: Bool

            enum CodingKeys: String, CodingKey { case day, table, unit, rule, violations }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(day, forKey: .day)
                try container.encode(table, forKey: .table)
                if perUnit { try container.encode(unit, forKey: .unit) }
                try container.encode(rule, forKey: .rule)
                try container.encode(violations, forKey: .violations)
            }
        }

        struct JSONReport: Encodable {
            let since: String?
            let total: Int
            let rows: [JSONRow]
        }

        static func render(_ rows: [Row], format: ReportFormat, since: String?, perUnit: Bool = false) -> String {
            let total = rows.reduce(0) { $0 + $1.violations }
            let header = perUnit ? ["day", "table", "unit", "rule", "violations"] : ["day", "table", "rule", "violations"]
            let cells = rows.map { row in
                perUnit ? [row.day, row.table, row.unit.map(String.init) ?? "", row.rule, String(row.violations)]
                        : [row.day, row.table, row.rule, String(row.violations)]
            }
            switch format {
            case .json:
                let report = JSONReport(since: since, total: total, rows: rows.map {
                    JSONRow(day: $0.day, table: $0.table, unit: $0.unit, rule: $0.rule, violations: $0.violations, perUnit: perUnit)
                })
                return ((try? ReportOutput.json(report)) ?? "") + "\n"
            case .csv:
                // No field holds a comma or a quote: rule names, table names, dates and numbers.
                return ([header] + cells).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
            case .table:
                guard !rows.isEmpty else { return "no flagged rows" + (since.map { " since \($0)" } ?? "") + "\n" }
                let numeric: Set<Int> = perUnit ? [2, 4] : [3]
                let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
                let line = { (row: [String]) in
                    row.indices.map { column in
                        numeric.contains(column) ? String(repeating: " ", count: widths[column] - row[column].count) + row[column]
                                                 : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    }.joined(separator: "  ")
                }
                return ([line(header)] + cells.map(line) + ["total \(total)"]).joined(separator: "\n") + "\n"
            }
        }
    }
}
