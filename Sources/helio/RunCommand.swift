import ArgumentParser
import HelioApply
import HelioCapture
import HelioOps

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run capture and apply in one process (small setups; `make run` uses it).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let (config, logger) = try options.start("helio.run")
        let stop = StopSignal()
        stop.installHandlers()
        let threads = ServiceThreads(stop: stop)
        threads.start("capture") { try CaptureService(config: config, logger: logger).run(shouldStop: { stop.isSet }) }
        threads.start("apply") { try ApplyService(config: config, logger: logger).run(shouldStop: { stop.isSet }) }
        do {
            try threads.wait()
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
