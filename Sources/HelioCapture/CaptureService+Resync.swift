import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import Logging

/// A slot lost under capture (source failover or restore) and the resync that closes the gap:
/// docs/architecture.md, "A lost slot: resync".
extension CaptureService {
    var resyncMarker: String { Self.resyncMarker(spoolDirectory: config.spoolDirectory, slot: config.slot) }

    /// The file that records a resync not yet finished (`capture.on_missing_slot: resync`).
    public static func resyncMarker(spoolDirectory: String, slot: String) -> String { "\(spoolDirectory)/resync-\(slot).pending" }

    /// Every file capture keeps for `slot` in the spool directory: what `helio slot drop` removes,
    /// so that a slot dropped on purpose starts over like a first start (an initial snapshot).
    public static func slotFiles(spoolDirectory: String, slot: String) -> [String] {
        [snapshotMarker(spoolDirectory: spoolDirectory, slot: slot), resyncMarker(spoolDirectory: spoolDirectory, slot: slot),
         KafkaLogGuard.file(spoolDirectory: spoolDirectory, slot: slot)]
    }

    /// The slot is missing. A first start (capture never delivered from a slot of this name)
    /// creates it with the initial snapshot. Otherwise the slot was lost under capture — the
    /// source failed over to a standby (PostgreSQL 15 does not copy logical slots to standbys)
    /// or was restored from a backup — and `capture.on_missing_slot` decides. Returns whether
    /// to resync; the resync's marker is written before anything else changes, so a crash from
    /// here on resumes it.
    func missingSlot(logGuard: KafkaLogGuard, admin: KafkaProducer, topics: TopicNames) throws -> Bool {
        let delivered = logGuard.storedMarker()
        let resyncPending = FileManager.default.fileExists(atPath: resyncMarker)
        guard delivered != nil || resyncPending else {
            // No record of delivering, but the log says someone did: most likely a spool directory
            // that was not kept. The initial snapshot cannot delete what the gap removed.
            if let high = try? admin.watermarks(TopicPartition(topic: topics.transaction, partition: 0), timeoutMilliseconds: 3_000).high, high > 0 {
                logger.warning("creating the slot with an initial snapshot, but \(topics.transaction) already holds records capture has no record of delivering (the slot was dropped with helio slot drop, or the spool directory was lost): rows deleted since those records stay live downstream; run helio verify after apply caught up",
                               metadata: [LogKeys.slot: "\(config.slot)", "spool_dir": "\(config.spoolDirectory)"])
            }
            return false
        }
        let metadata: Logger.Metadata = [LogKeys.slot: "\(config.slot)", "action": "\(config.onMissingSlot.rawValue)",
                                         "last_delivered": "\(delivered.map { "transaction \($0.position.transactionID)" } ?? "-")",
                                         "confirmed_at_most": "\(delivered?.confirmedBound.map { "\($0)" } ?? "-")"]
        switch config.onMissingSlot {
        case .fail:
            throw CaptureError.slotLost(slot: config.slot)
        case .snapshot:
            logger.notice("the slot is gone though capture had published from it (source failover or restore?); taking a full snapshot (capture.on_missing_slot: snapshot)",
                          metadata: metadata)
            return false
        case .resync:
            FileManager.default.createFile(atPath: resyncMarker, contents: Data("\(config.tables.joined(separator: "\n"))\n".utf8))
            logger.notice("the slot is gone though capture had published from it (source failover or restore?); creating it and resyncing: every table is re-read while streaming, rows the source no longer has are published as deletes",
                          metadata: metadata.merging([LogKeys.audit: "resync"]) { $1 })
            return true
        }
    }

    /// Queues the resync of every table, with the census read from the table topics.
    func startResync(_ incremental: IncrementalSnapshot, session: CaptureSession, publisher: Publisher, producer: KafkaProducer,
                             brokers: String, topics: TopicNames) {
        var consumer = KafkaConsumer.defaults(brokers: brokers, groupID: "helio-capture-resync", overrides: config.kafkaProperties)
        consumer["auto.offset.reset"] = "earliest"
        let properties = consumer
        incremental.takeCensus = { [logger] table in
            // Everything capture handed to Kafka must be in the log the census reads; the wait
            // keeps answering the walsender (the session's status updates).
            let deadline = ContinuousClock.now + .seconds(120)
            while publisher.inFlight > 0 {
                guard ContinuousClock.now < deadline else {
                    throw CaptureError.deliveryFailed("the resync's census waited 120 s for Kafka to acknowledge what capture sent")
                }
                publisher.collect(timeoutMilliseconds: 100)
                try publisher.checkFailure()
                try publisher.whileWaiting()
            }
            let point = Clock.unixMillis()
            let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
            let topic = topics.table(schema: parts[0], table: parts[1])
            return CensusRead {
                try KeyCensus.read(topic: topic, admin: producer, consumerProperties: properties, logger: logger, point: point)
            }
        }
        incremental.resync(tables: config.tables)
        session.resyncMarker = resyncMarker
        metrics.resyncing(tables: config.tables.count)
    }

    /// The file that records an unfinished initial snapshot of `slot`.
    public static func snapshotMarker(spoolDirectory: String, slot: String) -> String { "\(spoolDirectory)/snapshot-\(slot).pending" }
}
