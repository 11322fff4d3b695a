import ArgumentParser
import HelioApply
import HelioCapture
import HelioOps

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run capture and apply in one process (small setups; `make run` uses it).",
        discussion: "Example: helio run --config /etc/helio/helio.yaml  (add --demo for the simulated workload)")

    @OptionGroup var options: GlobalOptions<EveryKey>
    @Flag(help: "Also run the demo workload (helio simulate) against the source.") var demo = false
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var debezium: DebeziumPropertiesOption

    func run() async throws {
        let loaded = try options.load(debezium)
        let (_, logger) = try options.start("helio.run", with: loaded)
        let config = try DebeziumPropertiesOption.prepare(loaded, logger: logger)
        if demo {
            // The local stack's broker forgets its topics at every restart; the demo starts over
            // instead of refusing (capture and apply alone refuse: a lost log is an operator's call).
            do {
                try DemoRecovery(config: config, logger: logger, applyPositions: {
                    try config.warehouseURL.flatMap { try OffsetStore.positions(url: $0, group: config.groupID, applicationName: "helio-demo") }
                }).recoverIfBrokerLost()
            } catch {
                throw exitStatus(for: error, logger: logger)
            }
        }
        let stop = StopSignal()
        let endpoint = try OperatorEndpoint.service(config, role: .run, logger: logger)
        let apply = ApplyService(config: config, logger: logger)
        var services = [
            BlockingService(name: "capture", stop: stop) { try CaptureService(config: config, logger: logger).run(shouldStop: { stop.isSet }) },
            BlockingService(name: "apply", stop: stop) { try apply.run(shouldStop: { stop.isSet }) },
        ]
        if demo {
            // The workload may end (--duration, --max-changes) while capture and apply go on.
            services.append(BlockingService(name: "simulate", stop: stop, endsGroup: false) { [simulation] in
                try simulation.run(config: config, logger: logger) { stop.isSet }
            })
        }
        services += try ScheduledChecksService.make(config: config, components: [.capture, .apply], stop: stop,
                                                    deadLettered: { apply.metrics.deadLetteredCount }, label: "helio.run", logger: logger)
        do {
            try await ServiceRunner.run(services, endpoint: endpoint, logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
