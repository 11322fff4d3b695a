import HelioEvents
import HelioKafka
import Logging

/// A partition's stored position: where to resume, and the last applied record that had a
/// source position (its offset and `commit_lsn/lsn`), to check the log still holds it.
struct StoredOffset {
    var next: Int64
    var checkOffset: Int64?
    var checkPosition: String?
}

/// Refuses to resume on a log that is not the one the warehouse was built from.
///
/// A broker that lost its data (a memory-only broker restarted, a topic deleted and made
/// again) starts its offsets anew; resuming at the stored offsets would silently skip every
/// record below them. Before assigning, the guard reads the last applied record of each
/// partition again and compares its source position with the stored one.
struct OffsetGuard {
    let properties: [String: String]
    let logger: Logger
    let topics: TopicNames

    struct LogChanged: Error, CustomStringConvertible {
        var partitions: [String]
        var description: String {
            """
            the Kafka log no longer holds the records this warehouse was built from (\(partitions.joined(separator: ", "))): \
            the broker lost data or the topics were recreated; applying on would skip changes. \
            Rebuild: drop the slot (`helio slot drop --yes`) so capture takes a new snapshot, then reset this group's positions \
            (`helio replay --from-beginning`) — see docs/operations.md, "broker lost its data"
            """
        }
    }

    /// The source position of a record, as stored in `check_position`.
    static func position(of record: KafkaRecord, topics: TopicNames) -> String? {
        guard let value = record.value else { return nil }
        if record.topic == topics.transaction {
            guard let event = try? TransactionEvent.decode(value), let split = TransactionEvent.splitID(event.id) else { return nil }
            return "\(split.commitLSN)/\(event.status.rawValue)"
        }
        guard let envelope = try? ChangeEnvelope.decode(value) else { return nil }
        return "\(envelope.source.commitLSN)/\(envelope.source.lsn)"
    }

    func verify(_ stored: [TopicPartition: StoredOffset], timeoutSeconds: Double = 30) throws {
        let checks = stored.compactMapValues { offset -> (Int64, String)? in
            guard let checkOffset = offset.checkOffset, let position = offset.checkPosition else { return nil }
            return (checkOffset, position)
        }
        guard !checks.isEmpty else { return }
        var readerProperties = properties
        readerProperties["group.id"] = "helio-offset-guard"
        readerProperties["enable.auto.commit"] = "false"
        let reader = try KafkaConsumer(properties: readerProperties, logger: logger)
        defer { reader.close() }
        try reader.assign(checks.mapValues { $0.0 })
        var pending = Set(checks.keys)
        var changed: [String] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
        while !pending.isEmpty && ContinuousClock.now < deadline {
            for record in try reader.poll(maxRecords: 1_000, timeoutMilliseconds: 200) {
                let key = record.topicPartition
                guard pending.contains(key), let (offset, position) = checks[key], record.offset >= offset else { continue }
                pending.remove(key)
                if record.offset != offset || Self.position(of: record, topics: topics) != position {
                    changed.append("\(key)@\(offset)")
                }
            }
        }
        changed += pending.map { "\($0)@\(checks[$0]!.0) missing" }
        guard changed.isEmpty else { throw LogChanged(partitions: changed.sorted()) }
        logger.info("stored positions match the Kafka log", metadata: ["partitions": "\(checks.count)"])
    }
}
