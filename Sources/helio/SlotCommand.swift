import ArgumentParser
import HelioCapture
import HelioOps
import HelioPostgres
import Logging

struct Slot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect or drop the replication slot (operators only: capture never drops it).",
        subcommands: [Status.self, Drop.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the slot's position and the WAL it retains (exit status 1 when it does not exist).",
            discussion: "Example: helio slot status --config /etc/helio/helio.yaml --json")
        @OptionGroup var options: GlobalOptions<SlotKeys>
        @Flag(help: "Print the slot as one JSON object (its columns, and exists), for scripts.") var json = false

        func run() throws {
            let (config, _) = try options.start("helio.slot")
            let connection = try PostgresConnection(ConnectionOptions(url: try config.require(config.sourceURL, "HELIO_SOURCE_URL")))
            let result = try connection.execute("""
                SELECT slot_name, plugin, active, confirmed_flush_lsn::text, restart_lsn::text,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained_bytes
                FROM pg_replication_slots WHERE slot_name = $1
                """, [config.slot])
            guard let row = result.rows.first else {
                if json {
                    try ReportOutput.printJSON(["slot_name": ReportValue.string(config.slot), "exists": .bool(false)])
                } else {
                    print("slot \(config.slot): does not exist (capture creates it on first start)")
                }
                throw ExitCode(HelioExit.unhealthy)
            }
            if json {
                var object = Dictionary(uniqueKeysWithValues: zip(result.columns, row.map { $0.map(ReportValue.string) ?? .null }))
                object["exists"] = .bool(true)
                try ReportOutput.printJSON(object)
            } else {
                for (name, value) in zip(result.columns, row) { print("\(name): \(value ?? "null")") }
            }
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the replication slot. Changes not yet captured are lost to it; the next capture takes a new snapshot.",
            discussion: "Example: helio slot drop --config /etc/helio/helio.yaml --slot old_slot --yes")
        @OptionGroup var options: GlobalOptions<SlotKeys>
        @Flag(help: "Really drop it.") var yes = false

        func run() throws {
            let (config, logger) = try options.start("helio.slot")
            // `--slot` (a configuration flag, like HELIO_SLOT and capture.slot) names another slot.
            let name = config.slot
            guard yes else {
                printError("This drops replication slot \(name); run again with --yes to confirm.")
                throw ExitCode(HelioExit.configuration)
            }
            let connection = try PostgresConnection(ConnectionOptions(url: try config.require(config.sourceURL, "HELIO_SOURCE_URL")))
            try connection.execute("SELECT pg_drop_replication_slot($1)", [name])
            // Dropped on purpose: the next capture starts over with an initial snapshot, not a resync.
            for file in CaptureService.slotFiles(spoolDirectory: config.spoolDirectory, slot: name) {
                try? FileManager.default.removeItem(atPath: file)
            }
            logger.notice("replication slot dropped", metadata: [LogKeys.audit: "slot.drop", LogKeys.slot: "\(name)"])
        }
    }
}

import Foundation
