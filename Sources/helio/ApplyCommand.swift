import ArgumentParser
import HelioApply
import HelioOps

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume the change topics and maintain the warehouse (schema dw), exactly once in effect.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let (config, logger) = try options.start("helio.apply")
        let stop = StopSignal()
        stop.installHandlers()
        try OperatorEndpoint.start(config, logger: logger)
        do {
            try ApplyService(config: config, logger: logger).run(shouldStop: { stop.isSet })
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
