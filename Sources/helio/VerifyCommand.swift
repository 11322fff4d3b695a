import ArgumentParser
import Foundation
import HelioApply
import HelioOps

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the warehouse with the source and list every difference (exit status 1 when there is one).",
        discussion: """
            Example: helio verify --config /etc/helio/helio.yaml --json

            Members per dimension, version chains, ledger sums per row and local day, climate aggregates, personal data. \
            Run it when the pipeline has caught up. A progress bar on a terminal (stderr), a log line every 10 s otherwise.
            """)

    @OptionGroup var options: GlobalOptions<VerifyKeys>
    @Option(help: "Show at most this many differences.") var limit = 50
    @Flag(help: "Print the report as one JSON object (matches, count, differences), for scripts.") var json = false

    /// `--json`'s report.
    struct Report: Encodable {
        var matches: Bool
        var count: Int
        var differences: [Entry]
        struct Entry: Encodable { var check, key, detail: String }
    }

    func run() throws {
        let (config, logger) = try options.start("helio.verify")
        do {
            let sourceURL = try config.require(config.sourceURL, "HELIO_SOURCE_URL")
            let warehouseURL = try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL")
            let piiKey = try config.require(config.piiKey, "HELIO_PII_KEY")
            let progress = ProgressReporter("verify", unit: "checks", logger: logger)
            let differences: [WarehouseVerifier.Difference]
            do {
                defer { progress.finish() }   // before a failure is logged, so the bar does not cover it
                // The checks run side by side on pools, each statement on a checked connection.
                differences = try WarehouseVerifier.verify(sourceURL: sourceURL, warehouseURL: warehouseURL, piiKey: piiKey,
                                                           timezone: config.timezone, sampleMinutes: config.sampleMinutes) { done, total in
                    progress.update(done: done, total: total)
                }
            }
            if json {
                try ReportOutput.printJSON(Report(matches: differences.isEmpty, count: differences.count, differences: differences.prefix(limit).map {
                    Report.Entry(check: $0.check, key: $0.key, detail: $0.detail)
                }))
            } else {
                for difference in differences.prefix(limit) { print(difference) }
                if differences.count > limit { print("… and \(differences.count - limit) more") }
                print(differences.isEmpty ? "verify: the warehouse matches the source" : "verify: \(differences.count) differences")
            }
            if !differences.isEmpty { throw ExitCode(HelioExit.unhealthy) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
