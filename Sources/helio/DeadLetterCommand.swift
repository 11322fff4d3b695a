import ArgumentParser
import HelioApply
import HelioEvents
import HelioKafka
import HelioOps

struct DeadLetter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Inspect the dead-letter topic; re-apply the changes apply could not apply.",
        subcommands: [List.self, Replay.self])

    /// Changes that decoded but that apply could not apply are held in the warehouse
    /// (`dw.quarantine`, rule `apply_error`, with the later changes of their rows behind them),
    /// in the same transaction as the batch's offsets, so they cannot be lost between a topic
    /// and the warehouse. After the fix, replay applies them, each row's in source order.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-apply, after a fix, the changes apply held because it could not apply or read them (and those behind them); idempotent.",
            discussion: "Example: helio dlq replay --config /etc/helio/helio.yaml --table units --since 1d")
        @OptionGroup var options: GlobalOptions<QualityQuarantine.ReleaseKeys>
        @Option(help: "Only this source table.") var table: String?
        @Option(help: "Only changes committed on or after this day: a date (2026-04-01) or a number of days back (7d).")
        var since: String?
        @Option(help: "Who decides (recorded; default: the login name).") var by: String?

        func run() throws {
            let (config, logger) = try options.start("helio.dlq")
            let who = QualityQuarantine.operatorName(by)
            let day = try since.map(Quality.Report.day)
            let decisions = try QualityQuarantine.decisions(config)
            // Changes the warehouse refused (apply_error), and placeholders of poison records that
            // were changes (dead_letter: dropped, nothing to apply), each with what waited behind it.
            let applied = try ["apply_error", "dead_letter"].reduce(0) { total, rule in
                total + (try decisions.release(.init(table: table, rule: rule, since: day), by: who))
            }
            logger.notice("held apply errors re-applied", metadata: [LogKeys.audit: "dlq.replay", "table": "\(table ?? "all")",
                                                                     "changes": "\(applied)", "by": "\(who)"])
            print("re-applied \(applied) held change\(applied == 1 ? "" : "s")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every record in the dead-letter topic (dlq.topic, default <prefix>.dlq) with the error and where it came from.",
            discussion: "Example: helio dlq list --config /etc/helio/helio.yaml --bytes 1000 --json")
        @OptionGroup var options: GlobalOptions<DeadLetterKeys>
        @Option(help: "Show at most this many bytes of each value.") var bytes = 200
        @Flag(help: "Print the records as one JSON object (topic, count, records), for scripts.") var json = false

        /// `--json`'s report.
        struct Report: Encodable {
            var topic: String
            var count = 0
            var records: [Record] = []
            struct Record: Encodable {
                var partition: Int32
                var offset: Int64
                var sourceTopic, sourcePartition, sourceOffset, error: String?
                var value: String?
            }
        }

        func run() throws {
            let (config, logger) = try options.start("helio.dlq")
            let brokers = try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS")
            let properties = KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties)
            let topic = config.deadLetterTopic
            let partitions = try KafkaProducer(properties: properties, logger: logger).topics()[topic] ?? 0
            var report = Report(topic: topic)
            guard partitions > 0 else {
                if json { try ReportOutput.printJSON(report) } else { print("\(topic): no such topic (nothing was ever dead-lettered)") }
                return
            }
            var consumerProperties = ["bootstrap.servers": brokers, "group.id": "helio-dlq-list", "enable.auto.commit": "false"]
            consumerProperties.merge(config.kafkaProperties) { $1 }
            let consumer = try KafkaConsumer(properties: consumerProperties, logger: logger)
            defer { consumer.close() }
            try consumer.assign(Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map { (TopicPartition(topic: topic, partition: $0), Int64(0)) }))
            var quiet = 0
            while quiet < 10 {
                let records = try consumer.poll(maxRecords: 1_000, timeoutMilliseconds: 200)
                quiet = records.isEmpty ? quiet + 1 : 0
                for record in records {
                    report.count += 1
                    let headers = Dictionary(record.headers.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }, uniquingKeysWith: { $1 })
                    let entry = Report.Record(partition: record.partition, offset: record.offset, sourceTopic: headers["helio.source.topic"],
                                              sourcePartition: headers["helio.source.partition"], sourceOffset: headers["helio.source.offset"],
                                              error: headers["helio.error"], value: record.value.map { String(decoding: $0.prefix(bytes), as: UTF8.self) })
                    report.records.append(entry)
                    guard !json else { continue }
                    print("""
                        \(topic)[\(record.partition)]@\(record.offset) from \(entry.sourceTopic ?? "?")[\(entry.sourcePartition ?? "?")]@\(entry.sourceOffset ?? "?")
                          error: \(entry.error ?? "?")
                          value: \(entry.value ?? "null")
                        """)
                }
            }
            if json { try ReportOutput.printJSON(report) } else { print("\(report.count) dead-lettered records") }
        }
    }
}
