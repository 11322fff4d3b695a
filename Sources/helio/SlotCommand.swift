import ArgumentParser
import HelioCapture
import HelioOps
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
            guard let slot = try ReplicationSlotStatus.read(slot: config.slot, sourceURL: try config.require(config.sourceURL, "HELIO_SOURCE_URL")) else {
                if json {
                    try ReportOutput.printJSON(["slot_name": ReportValue.string(config.slot), "exists": .bool(false)])
                } else {
                    print("slot \(config.slot): does not exist (capture creates it on first start)")
                }
                throw ExitCode(HelioExit.unhealthy)
            }
            if json {
                var object = Dictionary(uniqueKeysWithValues: slot.columns.map { ($0.name, $0.value.map(ReportValue.string) ?? .null) })
                object["exists"] = .bool(true)
                try ReportOutput.printJSON(object)
            } else {
                for (name, value) in slot.columns { print("\(name): \(value ?? "null")") }
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
            // Dropped on purpose: the next capture starts over with an initial snapshot, not a resync.
            try CaptureService.dropSlot(name, sourceURL: try config.require(config.sourceURL, "HELIO_SOURCE_URL"), spoolDirectory: config.spoolDirectory)
            logger.notice("replication slot dropped", metadata: [LogKeys.audit: "slot.drop", LogKeys.slot: "\(name)"])
        }
    }
}
