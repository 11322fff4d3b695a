import ArgumentParser
import HelioApply
import HelioJobs
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
        let threads = ServiceThreads(stop: stop)
        let service = ApplyService(config: config, logger: logger)
        try SchedulerThread.start(threads, config: config, components: .apply, deadLettered: { service.metrics.deadLetteredCount },
                                  label: "helio.apply", logger: logger)
        threads.start("apply") {
            defer { stop.set() } // the scheduled checks stop with apply
            try service.run(shouldStop: { stop.isSet })
        }
        do {
            try threads.wait()
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
