import ArgumentParser
import Foundation
import HelioApply
import HelioOps
import HelioPostgres

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the warehouse with the source and list every difference (exit status 1 when there is one).",
        discussion: "Members per dimension, version chains, ledger sums per row and local day, climate aggregates, personal data. Run it when the pipeline has caught up.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Show at most this many differences.") var limit = 50

    func run() throws {
        let (config, logger) = try options.start("helio.verify")
        do {
            // Pools: the checks run side by side, each statement on a checked connection.
            let source = CommandPools.verification(try config.require(config.sourceURL, "HELIO_SOURCE_URL"))
            let warehouse = CommandPools.verification(try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"))
            defer { source.close(); warehouse.close() }
            let verifier = WarehouseVerifier(source: source, warehouse: warehouse, piiKey: try config.require(config.piiKey, "HELIO_PII_KEY"),
                                             timezone: config.timezone, sampleMinutes: config.sampleMinutes)
            let differences = try verifier.verify()
            for difference in differences.prefix(limit) { print(difference) }
            if differences.count > limit { print("… and \(differences.count - limit) more") }
            print(differences.isEmpty ? "verify: the warehouse matches the source" : "verify: \(differences.count) differences")
            if !differences.isEmpty { throw ExitCode(HelioExit.unhealthy) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
