import ArgumentParser
import HelioApply
import HelioCapture
import HelioJobs
import HelioOps

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run capture and apply in one process (small setups; `make run` uses it).")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Also run the demo workload (helio simulate) against the source.") var demo = false
    @OptionGroup var simulation: SimulationOptions

    func run() throws {
        let (config, logger) = try options.start("helio.run")
        let stop = StopSignal()
        stop.installHandlers()
        try OperatorEndpoint.start(config, logger: logger)
        let threads = ServiceThreads(stop: stop)
        let apply = ApplyService(config: config, logger: logger)
        try SchedulerThread.start(threads, config: config, components: [.capture, .apply], deadLettered: { apply.metrics.deadLetteredCount },
                                  label: "helio.run", logger: logger)
        threads.start("capture") { try CaptureService(config: config, logger: logger).run(shouldStop: { stop.isSet }) }
        threads.start("apply") { try apply.run(shouldStop: { stop.isSet }) }
        if demo {
            threads.start("simulate") { [simulation] in try simulation.run(config: config, logger: logger) { stop.isSet } }
        }
        do {
            try threads.wait()
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
