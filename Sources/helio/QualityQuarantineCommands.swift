import ArgumentParser
import Foundation
import HelioApply
import HelioOps

/// `helio quality held|release|drop`: the changes a rule of severity quarantine kept out of the
/// warehouse, and an operator's decision on them (docs/operations.md, "Quarantine").
enum QualityQuarantine {
    /// `release` applies with apply's own settings (rules, time zone, dimensions).
    enum ReleaseKeys: CommandKeys { static let keys = RebuildKeys.keys }

    /// The selection every quarantine command takes.
    struct SelectionOptions: ParsableArguments {
        @Option(help: "Only this source table (energy, energy_compensate, irradiance).") var table: String?
        @Option(help: "Only changes that failed this rule (its name, e.g. energy.energy_kwh.range).") var rule: String?
        @Option(help: "Only changes committed on or after this day: a date (2026-04-01) or a number of days back (7d).")
        var since: String?

        func selection() throws -> QuarantineDecisions.Selection {
            .init(table: table, rule: rule, since: try since.map(Quality.Report.day))
        }

        /// What the audit line and the confirmation say about the selection.
        var described: String {
            [table.map { "table \($0)" }, rule.map { "rule \($0)" }, since.map { "since \($0)" }]
                .compactMap { $0 }.joined(separator: ", ").nonEmpty ?? "every held change"
        }
    }

    static func decisions(_ config: HelioConfiguration) throws -> QuarantineDecisions {
        try QuarantineDecisions(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"), config: config)
    }

    /// Who decided: `--by`, else the login name.
    static func operatorName(_ given: String?) -> String {
        given ?? ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
    }

    struct Held: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the changes held in quarantine (not applied), oldest first.",
            discussion: "Example: helio quality held --config /etc/helio/helio.yaml --table energy --json")
        @OptionGroup var options: GlobalOptions<WarehouseKeys>
        @OptionGroup var select: SelectionOptions
        @Option(help: "At most this many rows.") var limit = 100
        @Flag(help: "Print one JSON object ({count, held: [...]}) for scripts.") var json = false

        struct Report: Encodable {
            let count: Int
            let held: [QuarantineDecisions.HeldChange]
        }

        func run() throws {
            let (config, _) = try options.start("helio.quality")
            let decisions = try QualityQuarantine.decisions(config)
            let selection = try select.selection()
            let rows = try decisions.held(selection, limit: limit)
            let count = try decisions.heldCount(selection)
            if json {
                print(try ReportOutput.json(Report(count: count, held: rows)))
                return
            }
            guard count > 0 else { print("nothing held in quarantine (\(select.described))"); return }
            for row in rows {
                print("\(row.table) row \(row.rowID) at \(row.lsn) (commit \(row.commitLSN), \(row.committedAt)): \(row.rules) \(row.values)")
            }
            print("\(count) held" + (count > rows.count ? " (\(rows.count) shown; --limit shows more)" : ""))
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply held changes after a fix: each is applied as apply would have, its rules written as flags.",
            discussion: "Example: helio quality release --config /etc/helio/helio.yaml --rule energy.energy_kwh.range --table energy --since 7d")
        @OptionGroup var options: GlobalOptions<ReleaseKeys>
        @OptionGroup var select: SelectionOptions
        @Option(help: "Who decides (recorded with the decision; default: the login name).") var by: String?

        func run() throws {
            let (config, logger) = try options.start("helio.quality")
            let released = try QualityQuarantine.decisions(config).release(try select.selection(), by: QualityQuarantine.operatorName(by))
            logger.notice("quarantined changes released", metadata: [LogKeys.audit: "quality.release", "selection": "\(select.described)",
                                                                     "changes": "\(released)", "by": "\(QualityQuarantine.operatorName(by))"])
            print("released \(released) held change\(released == 1 ? "" : "s") (\(select.described))")
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Discard held changes: they are never applied (the warehouse keeps what it held before them).",
            discussion: "Example: helio quality drop --config /etc/helio/helio.yaml --rule irradiance.irradiance_wm2.range --yes")
        @OptionGroup var options: GlobalOptions<WarehouseKeys>
        @OptionGroup var select: SelectionOptions
        @Option(help: "Who decides (recorded with the decision; default: the login name).") var by: String?
        @Flag(help: "Really discard them.") var yes = false

        func run() throws {
            let (config, logger) = try options.start("helio.quality")
            guard yes else {
                printError("This discards the held changes of \(select.described); run again with --yes to confirm.")
                throw ExitCode(HelioExit.configuration)
            }
            let dropped = try QualityQuarantine.decisions(config).drop(try select.selection(), by: QualityQuarantine.operatorName(by))
            logger.notice("quarantined changes dropped", metadata: [LogKeys.audit: "quality.drop", "selection": "\(select.described)",
                                                                    "changes": "\(dropped)", "by": "\(QualityQuarantine.operatorName(by))"])
            print("dropped \(dropped) held change\(dropped == 1 ? "" : "s") (\(select.described))")
        }
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
