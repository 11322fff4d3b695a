import ArgumentParser
import HelioCapture
import HelioOps

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream the source's changes (pgoutput) into Kafka topics, confirming only what Kafka acknowledged.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let (config, logger) = try options.start("helio.capture")
        let stop = StopSignal()
        stop.installHandlers()
        try OperatorEndpoint.start(config, logger: logger)
        do {
            try CaptureService(config: config, logger: logger).run(shouldStop: { stop.isSet })
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
