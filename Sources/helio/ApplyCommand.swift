import ArgumentParser
import HelioApply
import HelioOps

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume the change topics and maintain the warehouse (schema dw), exactly once in effect.",
        discussion: "Example: helio apply --config /etc/helio/helio.yaml",
        subcommands: [ApplyTableControl.Pause.self, ApplyTableControl.Resume.self])

    @OptionGroup var options: GlobalOptions<ApplyKeys>

    func run() async throws {
        let (config, logger) = try options.start("helio.apply")
        let stop = StopSignal()
        let endpoint = try OperatorEndpoint.service(config, role: .apply, logger: logger)
        let service = ApplyService(config: config, logger: logger)
        var services = [BlockingService(name: "apply", stop: stop) { try service.run(shouldStop: { stop.isSet }) }]
        services += try ScheduledChecksService.make(config: config, components: .apply, stop: stop,
                                                    deadLettered: { service.metrics.deadLetteredCount }, label: "helio.apply", logger: logger)
        do {
            try await ServiceRunner.run(services, endpoint: endpoint, logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
