import ArgumentParser
import Foundation
import HelioApply
import HelioCapture
import HelioEvents
import HelioKafka
import HelioOps

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One screen on the pipeline: slot, topics and consumer lag, warehouse freshness. Exit status 1 when unhealthy.",
        discussion: """
            Example: helio status --config /etc/helio/helio.yaml --json | jq .problems

            Usable from cron and monitoring. Lag uses the broker's high watermarks, which some brokers report loosely.
            """)

    @OptionGroup var options: GlobalOptions<StatusKeys>
    @Option(help: "Unhealthy above this much WAL retained by the slot (bytes).") var maxRetainedBytes: Int64 = 1 << 30
    @Option(help: "Unhealthy above this many unapplied records in total.") var maxLag: Int64 = 100_000
    @Flag(help: "Print the report as one JSON object (slot, topics, warehouse, healthy, problems), for scripts.") var json = false

    func run() throws {
        let (config, logger) = try options.start("helio.status")
        var report = StatusReport(slotName: config.slot, groupID: config.groupID)
        let topics = TopicNames(prefix: config.topicPrefix)

        do {
            if let slot = try ReplicationSlotStatus.readForMonitoring(slot: config.slot, sourceURL: try config.require(config.sourceURL, "HELIO_SOURCE_URL"),
                                                                      applicationName: "helio-status") {
                let state = StatusReport.Slot(active: slot.active, confirmedLSN: slot.confirmedFlushLSN, serverLSN: slot.serverLSN,
                                              retainedBytes: slot.retainedBytes)
                report.slot = state
                if !state.active { report.problems.append("slot \(config.slot) is not active: capture is not running") }
                if let retained = state.retainedBytes, retained > maxRetainedBytes {
                    report.problems.append("slot \(config.slot) retains \(retained) bytes of WAL (limit \(maxRetainedBytes))")
                }
            } else {
                report.problems.append("slot \(config.slot) does not exist")
            }
            report.slotChecked = true
        } catch {
            report.problems.append("source: \(error)")
        }

        do {
            let properties = KafkaProducer.defaults(brokers: try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS"), overrides: config.kafkaProperties)
            let kafka = try KafkaProducer(properties: properties, logger: logger)
            let warehouse = WarehouseStatusReader(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"), group: config.groupID,
                                                  applicationName: "helio-status")
            defer { warehouse.close() }
            let names = config.topicNames + [topics.transaction]
            let lag = try GroupLag.read(topics: names, admin: kafka, warehouse: warehouse)
            for name in names {
                guard let topic = lag.topics[name] else {
                    report.topics.append(.init(name: name, partitions: nil, end: nil, applied: nil, lag: nil))
                    report.problems.append("topic \(name) is missing")
                    continue
                }
                report.topics.append(.init(name: name, partitions: topic.partitions, end: topic.end, applied: topic.end - topic.lag, lag: topic.lag))
            }
            if lag.total > maxLag { report.problems.append("apply lags by about \(lag.total) records (limit \(maxLag))") }
            report.members = try warehouse.members().map { StatusReport.Member($0, lag: lag.lag(of: $0)) }
            let fresh = try warehouse.freshness()
            report.warehouse = .init(lastAppliedCommit: fresh.lastAppliedCommit, secondsAgo: fresh.secondsAgo)
        } catch {
            report.problems.append("kafka/warehouse: \(error)")
        }

        if json {
            try ReportOutput.printJSON(report)
        } else {
            print(report.text)
        }
        if !report.healthy { throw ExitCode(HelioExit.unhealthy) }
    }
}
