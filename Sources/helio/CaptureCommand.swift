import ArgumentParser
import HelioCapture
import HelioOps

struct Capture: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream the source's changes (pgoutput) into Kafka topics, confirming only what Kafka acknowledged.",
        discussion: "Example: helio capture --config /etc/helio/helio.yaml  (or --debezium-properties connector.properties)")

    @OptionGroup var options: GlobalOptions<CaptureKeys>
    @OptionGroup var debezium: DebeziumPropertiesOption

    func run() async throws {
        let loaded = try options.load(debezium)
        let (_, logger) = try options.start("helio.capture", with: loaded)
        let config = try DebeziumPropertiesOption.prepare(loaded, logger: logger)
        let stop = StopSignal()
        let endpoint = try OperatorEndpoint.service(config, role: .capture, logger: logger)
        var services = [BlockingService(name: "capture", stop: stop) {
            try CaptureService(config: config, logger: logger).run(shouldStop: { stop.isSet })
        }]
        services += try ScheduledChecksService.make(config: config, components: .capture, stop: stop, label: "helio.capture", logger: logger)
        do {
            try await ServiceRunner.run(services, endpoint: endpoint, logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
