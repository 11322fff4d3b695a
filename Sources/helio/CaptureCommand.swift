import ArgumentParser
import HelioCapture
import HelioJobs
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
        let threads = ServiceThreads(stop: stop)
        try SchedulerThread.start(threads, config: config, components: .capture, label: "helio.capture", logger: logger)
        threads.start("capture") {
            defer { stop.set() } // the scheduled checks stop with capture
            try CaptureService(config: config, logger: logger).run(shouldStop: { stop.isSet })
        }
        do {
            try threads.wait()
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
