import HelioApply
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import Logging

/// How the stalled-pipeline check tells whether a quiet service has work waiting.
enum WorkProbes {
    /// Capture: WAL written after the slot's confirmed position (the heartbeat alone adds
    /// some every interval, so a stalled capture always shows work).
    static func capture(_ config: HelioConfiguration) -> StalledPipelineCheck.WorkProbe {
        { [config] in
            let source = try PostgresConnection(ConnectionOptions(url: try config.require(config.sourceURL, "HELIO_SOURCE_URL"),
                                                                  applicationName: "helio-watchdog", settings: ["statement_timeout": "30s"]))
            let pending = try source.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text FROM pg_replication_slots WHERE slot_name = $1",
                [config.slot]).scalar.flatMap { Int64($0) }
            guard let pending, pending > 0 else { return nil }
            return "\(pending) bytes of WAL after the slot's confirmed position"
        }
    }

    /// Apply: records in its topics after the positions it stored in the warehouse. Uses the
    /// broker's high watermarks, which some brokers report loosely: an estimate.
    static func apply(_ config: HelioConfiguration, logger: Logger) -> StalledPipelineCheck.WorkProbe {
        { [config] in
            let brokers = try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS")
            let kafka = try KafkaProducer(properties: KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties), logger: logger)
            let partitions = try kafka.topics()
            let warehouse = try PostgresConnection(ConnectionOptions(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"),
                                                                     applicationName: "helio-watchdog", settings: ["statement_timeout": "30s"]))
            let stored = try OffsetStore(connection: warehouse, group: config.groupID).positions()
            var lag: Int64 = 0
            for topic in config.topicNames + [TopicNames(prefix: config.topicPrefix).transaction] {
                for partition in 0..<Int32(partitions[topic] ?? 0) {
                    let key = TopicPartition(topic: topic, partition: partition)
                    let (low, high) = try kafka.watermarks(key)
                    lag += OffsetStore.lag(next: stored[key], low: low, high: high)
                }
            }
            return lag > 0 ? "about \(lag) records not yet applied" : nil
        }
    }
}
