import ArgumentParser
import Foundation
import HelioApply
import HelioEvents
import HelioKafka
import HelioOps

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-apply the change topics into the live warehouse from an earlier position (idempotent).",
        discussion: """
            Example: helio replay --config /etc/helio/helio.yaml --from-timestamp 2026-11-01T00:00:00Z

            Rewrites the applier's stored positions (dw.consumer_offsets) for the group; the next \
            `helio apply` starts there. Stop apply first: a running applier keeps the positions it \
            was assigned. Changes already applied are recognised by their source position and add nothing.
            """)

    @OptionGroup var options: GlobalOptions<ReplayKeys>
    @Flag(help: "From the first record of every topic.") var fromBeginning = false
    @Option(help: "From the first record at or after this time (ISO-8601, e.g. 2026-11-01T00:00:00Z); never moves a partition forward, and one with no such record keeps its position.") var fromTimestamp: String?
    @Option(help: "From the offsets in this file: lines of `topic partition offset`.") var fromOffsets: String?

    func validate() throws {
        guard [fromBeginning, fromTimestamp != nil, fromOffsets != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --from-beginning, --from-timestamp, --from-offsets")
        }
    }

    func run() throws {
        let (config, logger) = try options.start("helio.replay")
        let offsets = try OffsetStore(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"), group: config.groupID, applicationName: "helio-replay")
        var targets: [TopicPartition: Int64] = [:]
        var untouched: [TopicPartition] = []   // --from-timestamp: no record at or after the time
        if let fromOffsets {
            let text = try String(contentsOfFile: fromOffsets, encoding: .utf8)
            for (number, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty && !line.hasPrefix("#") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count == 3, let partition = Int32(fields[1]), let offset = Int64(fields[2]) else {
                    throw ValidationError("\(fromOffsets):\(number + 1): expected `topic partition offset`")
                }
                targets[TopicPartition(topic: String(fields[0]), partition: partition)] = offset
            }
        } else {
            let properties = KafkaProducer.defaults(brokers: try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS"), overrides: config.kafkaProperties)
            let kafka = try KafkaProducer(properties: properties, logger: logger)
            let counts = try kafka.topics()
            let partitions = (config.topicNames + [TopicNames(prefix: config.topicPrefix).transaction]).flatMap { topic in
                (0..<Int32(counts[topic] ?? 0)).map { TopicPartition(topic: topic, partition: $0) }
            }
            if fromBeginning {
                for partition in partitions { targets[partition] = 0 }
            } else if let fromTimestamp {
                guard let date = ISO8601DateFormatter().date(from: fromTimestamp) else {
                    throw ValidationError("--from-timestamp: '\(fromTimestamp)' is not ISO-8601 (2026-11-01T00:00:00Z)")
                }
                // The transaction topic restarts from the same time, so the fact watermark stays decidable.
                let progress = ProgressReporter("replay (first record at or after \(fromTimestamp))", unit: "partitions", logger: logger)
                defer { progress.finish() }
                let found = try ReplayFromTimestamp(
                    timestampMs: Int64(date.timeIntervalSince1970 * 1000), partitions: partitions, stored: try offsets.positions(),
                    admin: kafka, consumerProperties: KafkaConsumer.defaults(brokers: properties["bootstrap.servers"]!, groupID: "\(config.groupID)-replay",
                                                                             overrides: config.kafkaProperties),
                    logger: logger, progress: { done, total in progress.update(done: done, total: total) })
                targets = found.targets
                untouched = found.untouched
            }
        }
        try offsets.rewind(to: targets)
        logger.notice("replay positions stored; start `helio apply` to re-apply", metadata: [
            LogKeys.audit: "replay", "group": "\(config.groupID)", "partitions": "\(targets.count)",
            "from": "\(fromBeginning ? "beginning" : fromTimestamp ?? fromOffsets ?? "")", "untouched": "\(untouched.count)"])
        print("replay: \(targets.count) partitions of group \(config.groupID) rewound; start `helio apply`")
        if !untouched.isEmpty {
            let names = untouched.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }.map { "\($0.topic)[\($0.partition)]" }
            print("replay: \(untouched.count) partitions hold no record at or after \(fromTimestamp ?? ""): left where apply stands, nothing to replay there (\(names.joined(separator: ", ")))")
        }
    }
}
