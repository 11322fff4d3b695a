import ArgumentParser
import Foundation
import HelioOps
import HelioPostgres

/// `helio quality`: what the data-quality rules found (docs/operations.md, Data quality).
struct Quality: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Data-quality findings of the rules apply checks (quality.rules).",
        subcommands: [Report.self])

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Flagged ledger entries and readings per day, table and rule, from the warehouse's stored flags.",
            discussion: "Example: helio quality report --config /etc/helio/helio.yaml --since 7d --format json")
        @OptionGroup var options: GlobalOptions<WarehouseKeys>
        @Option(help: "Only days from this one on: a date (2026-04-01) or a number of days back (7d).")
        var since: String?
        @Option(help: "table, json or csv.") var format: ReportFormat = .table

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

        func run() throws {
            let (config, _) = try options.start("helio.quality")
            let sinceDay = try since.map(Self.day)
            let connection = try PostgresConnection(ConnectionOptions(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL")))
            let rows = try connection.execute(Self.query, [sinceDay]).rows.map {
                Row(day: $0[0] ?? "", table: $0[1] ?? "", rule: $0[2] ?? "", violations: Int($0[3] ?? "") ?? 0)
            }
            print(Self.render(rows, format: format, since: sinceDay), terminator: "")
        }

        /// Flag rules stored on ledger entries (fact_energy: originals and corrections, by their
        /// date_key) and on readings' current values (irradiance_mirror, by their local day).
        static let query = """
            SELECT x.day::text, x.source_table, x.rule, count(*)
              FROM (SELECT to_date(f.date_key::text, 'YYYYMMDD') AS day, f.source_table::text AS source_table,
                           unnest(f.quality_flags) AS rule
                      FROM dw.fact_energy f
                     WHERE f.quality_flags IS NOT NULL
                       AND ($1::date IS NULL OR f.date_key >= to_char($1::date, 'YYYYMMDD')::int)
                    UNION ALL
                    SELECT m.local_day, 'irradiance', unnest(m.quality_flags)
                      FROM dw.irradiance_mirror m
                     WHERE m.quality_flags IS NOT NULL AND NOT m.deleted
                       AND ($1::date IS NULL OR m.local_day >= $1::date)) x
             GROUP BY 1, 2, 3
             ORDER BY 1, 2, 3
            """

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

        struct Row: Encodable {
            let day: String
            let table: String
            let rule: String
            let violations: Int
        }

        struct JSONReport: Encodable {
            let since: String?
            let total: Int
            let rows: [Row]
        }

        static func render(_ rows: [Row], format: ReportFormat, since: String?) -> String {
            switch format {
            case .json:
                let report = JSONReport(since: since, total: rows.reduce(0) { $0 + $1.violations }, rows: rows)
                return ((try? ReportOutput.json(report)) ?? "") + "\n"
            case .csv:
                return (["day,table,rule,violations"] + rows.map { "\($0.day),\($0.table),\($0.rule),\($0.violations)" })
                    .joined(separator: "\n") + "\n"
            case .table:
                guard !rows.isEmpty else { return "no flagged rows" + (since.map { " since \($0)" } ?? "") + "\n" }
                let header = ["day", "table", "rule", "violations"]
                let cells = rows.map { [$0.day, $0.table, $0.rule, String($0.violations)] }
                let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
                let line = { (row: [String]) in
                    row.indices.map { column in
                        column == 3 ? String(repeating: " ", count: widths[column] - row[column].count) + row[column]
                                    : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    }.joined(separator: "  ")
                }
                let total = rows.reduce(0) { $0 + $1.violations }
                return ([line(header)] + cells.map(line) + ["total \(total)"]).joined(separator: "\n") + "\n"
            }
        }
    }
}
