import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// `helio run --demo` only: notices, before anything starts, that the broker lost the topics
/// the demo's slot and warehouse were built from — the local stack's Tansu keeps them in memory,
/// so `make down` or a reboot empties it while the source, the slot, the spool and the
/// warehouse persist — and starts the demo over: the slot, capture's files for it and the
/// warehouse schema `dw` are dropped, so capture takes a new snapshot into fresh topics and
/// apply builds a fresh warehouse from it, equal to the source again. One notice says so.
///
/// `helio capture` and `helio apply` never do this: for them a lost log is an operator's
/// decision (docs/operations.md, "The broker lost its data"), and they refuse to start.
/// The checks are the services' own: capture's delivery marker (`KafkaLogGuard`) and apply's
/// stored offsets, which on a fresh broker point past the end of (or into missing) partitions.
public struct DemoRecovery {
    let config: HelioConfiguration
    let logger: Logger
    /// Apply's stored positions (apply's `OffsetStore`), nil before apply's first start.
    let applyPositions: () throws -> [TopicPartition: Int64]?
    /// The warehouse schema the demo's apply builds (and this drops).
    static let warehouseSchema = "dw"

    public init(config: HelioConfiguration, logger: Logger, applyPositions: @escaping () throws -> [TopicPartition: Int64]?) {
        self.config = config
        self.logger = logger
        self.applyPositions = applyPositions
    }

    /// What the broker lost, or nil when the demo can resume where it stopped.
    public func brokerLoss() throws -> String? {
        let brokers = try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS")
        let admin = try KafkaProducer(properties: KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties), logger: logger)
        let topics = try admin.topics()
        if let lost = try captureLoss(admin: admin, topics: topics, brokers: brokers) { return lost }
        return try applyLoss(admin: admin, topics: topics)
    }

    /// Capture's check at start, as `helio capture` makes it, without refusing.
    func captureLoss(admin: KafkaProducer, topics: [String: Int], brokers: String) throws -> String? {
        let sourceURL = try config.require(config.sourceURL, "HELIO_SOURCE_URL")
        let source = try PostgresConnection(ConnectionOptions(url: sourceURL, applicationName: "helio-demo"))
        let setup = SourceSetup(connection: source, config: config, logger: logger)
        let slot = try setup.slotState()
        guard slot.exists else { return nil }
        let logGuard = KafkaLogGuard(brokers: brokers, kafkaProperties: config.kafkaProperties, topics: TopicNames(prefix: config.topicPrefix),
                                     slot: config.slot, spoolDirectory: config.spoolDirectory, logger: logger)
        guard case .check(let position) = KafkaLogGuard.startDecision(marker: logGuard.storedMarker(), live: try setup.liveSlot(slot)) else {
            return nil
        }
        guard topics[logGuard.partition.topic] != nil else {
            return "topic \(logGuard.partition.topic) is gone, but capture had delivered transaction \(position.transactionID) at offset \(position.offset)"
        }
        if case .lost(let detail) = logGuard.verify(position, timeoutSeconds: 5, admin: admin) { return detail }
        return nil
    }

    /// Apply's stored positions: on a fresh broker they point into missing or empty partitions.
    /// (Apply's own guard re-reads the last applied record; this cheaper check is enough for a
    /// broker that came back empty, which is the demo's case.)
    func applyLoss(admin: KafkaProducer, topics: [String: Int]) throws -> String? {
        guard let positions = try applyPositions() else { return nil }
        for (key, next) in positions.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) where next > 0 {
            let (topic, partition) = (key.topic, key.partition)
            guard let count = topics[topic], partition < count else {
                return "\(topic)[\(partition)] is gone, but the warehouse was built from it up to offset \(next)"
            }
            // Tansu reports high watermarks loosely (see `watermarks`): only an empty partition counts.
            if let high = try? admin.watermarks(TopicPartition(topic: topic, partition: partition)).high, high == 0 {
                return "\(topic)[\(partition)] is empty, but the warehouse was built from it up to offset \(next)"
            }
        }
        return nil
    }

    /// Starts the demo over: drops the slot, capture's files for it and the warehouse schema.
    public func startOver() throws {
        let source = try PostgresConnection(ConnectionOptions(url: try config.require(config.sourceURL, "HELIO_SOURCE_URL"),
                                                              applicationName: "helio-demo"))
        if try !source.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [config.slot]).isEmpty {
            try source.execute("SELECT pg_drop_replication_slot($1)", [config.slot])
        }
        for file in CaptureService.slotFiles(spoolDirectory: config.spoolDirectory, slot: config.slot) { unlink(file) }
        if let url = config.warehouseURL {
            let warehouse = try PostgresConnection(ConnectionOptions(url: url, applicationName: "helio-demo",
                                                                     settings: ["client_min_messages": "warning"]))
            try warehouse.execute("DROP SCHEMA IF EXISTS \(warehouse.quoteIdentifier(Self.warehouseSchema)) CASCADE")
        }
    }

    /// Checks, and when the broker lost the demo's topics starts over with one notice. Returns
    /// whether it did.
    @discardableResult
    public func recoverIfBrokerLost() throws -> Bool {
        guard let loss = try brokerLoss() else { return false }
        try startOver()
        logger.notice("""
            the Kafka broker lost the demo's topics (\(loss)): the local stack's broker keeps them in memory, so `make down` or a \
            reboot empties it. The demo starts over: dropped slot \(config.slot) and warehouse schema \(Self.warehouseSchema); \
            capture takes a new snapshot and apply rebuilds the warehouse from it. (helio capture and helio apply would refuse \
            instead: see docs/operations.md, "The broker lost its data")
            """, metadata: [LogKeys.slot: "\(config.slot)", LogKeys.audit: "demo.start_over"])
        return true
    }
}
