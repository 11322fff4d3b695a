import ArgumentParser
import HelioApply
import HelioOps

/// `helio apply pause|resume --table T`: stop and resume one table's apply without stopping the
/// others (docs/operations.md, "Pausing one table").
enum ApplyTableControl {
    static let tables = ["users", "units", "devices", "energy", "energy_compensate", "irradiance"]

    static func table(_ given: String) throws -> String {
        let name = given.hasPrefix("public.") ? String(given.dropFirst("public.".count)) : given
        guard tables.contains(name) else {
            throw ValidationError("--table must be one of \(tables.joined(separator: ", ")), not '\(given)'")
        }
        return name
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold one table's changes (the others go on) until resume; facts key inferred members meanwhile.",
            discussion: "Example: helio apply pause --config /etc/helio/helio.yaml --table units")
        @OptionGroup var options: GlobalOptions<WarehouseKeys>
        @Option(help: "The source table (users, units, devices, energy, energy_compensate, irradiance).") var table: String
        @Option(help: "Who decides (recorded; default: the login name).") var by: String?

        func run() throws {
            let (config, logger) = try options.start("helio.apply")
            let name = try ApplyTableControl.table(table)
            let who = QualityQuarantine.operatorName(by)
            let changed = try QualityQuarantine.decisions(config).pause(table: name, by: who)
            logger.notice("table apply paused", metadata: [LogKeys.audit: "apply.pause", LogKeys.table: "\(name)", "by": "\(who)"])
            print(changed ? "paused \(name): its changes are held from the next batch on (helio apply resume --table \(name))"
                          : "\(name) was paused already")
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the changes a paused table held, in source order, and go on applying it.",
            discussion: "Example: helio apply resume --config /etc/helio/helio.yaml --table units")
        @OptionGroup var options: GlobalOptions<QualityQuarantine.ReleaseKeys>
        @Option(help: "The source table.") var table: String
        @Option(help: "Who decides (recorded; default: the login name).") var by: String?

        func run() throws {
            let (config, logger) = try options.start("helio.apply")
            let name = try ApplyTableControl.table(table)
            let who = QualityQuarantine.operatorName(by)
            let applied = try QualityQuarantine.decisions(config).resume(table: name, by: who)
            logger.notice("table apply resumed", metadata: [LogKeys.audit: "apply.resume", LogKeys.table: "\(name)",
                                                            "changes": "\(applied)", "by": "\(who)"])
            print("resumed \(name): \(applied) held change\(applied == 1 ? "" : "s") applied")
        }
    }
}
