import HelioEvents
import HelioKafka

/// What one Kafka record means to the applier.
enum DecodedRecord {
    case change(StagedChange)
    case transactionEnd(StagedTransaction)
    /// Tombstones, BEGIN markers, tables the warehouse does not model: consumed, nothing to do.
    case nothing
}

/// A record that cannot be applied: it goes to the dead-letter topic with this reason.
struct PoisonRecord: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// Decodes records of the change topics and the transaction topic into staging rows.
struct RecordDecoder {
    let topics: TopicNames
    let personalData: PersonalData
    /// Source tables the warehouse models.
    static let modelledTables: Set<String> = ["users", "units", "devices", "energy", "energy_compensate", "irradiance"]

    func decode(_ record: KafkaRecord) throws(PoisonRecord) -> DecodedRecord {
        if record.topic == topics.transaction { return try transaction(record) }
        guard let (_, table) = topics.parseTable(topic: record.topic), Self.modelledTables.contains(table) else { return .nothing }
        guard let value = record.value else { return .nothing } // tombstone: the delete came before it
        let envelope: ChangeEnvelope
        do {
            envelope = try ChangeEnvelope.decode(value)
        } catch {
            throw PoisonRecord(reason: "undecodable change event: \(error)")
        }
        guard envelope.source.table == table else {
            throw PoisonRecord(reason: "event for table \(envelope.source.table) on topic \(record.topic)")
        }
        var rowID: Int64?
        if envelope.op != .truncate {
            let image = envelope.after ?? envelope.before
            if let key = record.key, let decodedKey = try? RecordKey.decode(key) { rowID = decodedKey.id }
            if rowID == nil { rowID = image?["id"]?.int64Value }
            guard rowID != nil else { throw PoisonRecord(reason: "\(envelope.op.rawValue) event without an integer id") }
            if envelope.op != .delete && envelope.after == nil { throw PoisonRecord(reason: "\(envelope.op.rawValue) event without after") }
        }
        var after = envelope.after
        var before = envelope.before
        if table == "users" {
            after = after.map(personalData.protect)
            before = before.map(personalData.protect)
        }
        return .change(StagedChange(
            sourceTable: table, op: envelope.op, rowID: rowID, lsn: envelope.source.lsn, commitLSN: envelope.source.commitLSN,
            txID: envelope.source.txId, commitMicros: envelope.source.tsUs, after: after, before: before))
    }

    private func transaction(_ record: KafkaRecord) throws(PoisonRecord) -> DecodedRecord {
        guard let value = record.value else { return .nothing }
        let event: TransactionEvent
        do {
            event = try TransactionEvent.decode(value)
        } catch {
            throw PoisonRecord(reason: "undecodable transaction event: \(error)")
        }
        guard event.status == .end else { return .nothing }
        guard let (txID, commitLSN) = TransactionEvent.splitID(event.id) else {
            throw PoisonRecord(reason: "transaction id \(event.id) is not <txId>:<commit_lsn>")
        }
        return .transactionEnd(StagedTransaction(
            txID: txID, commitLSN: commitLSN, commitMillis: event.tsMs,
            eventCount: event.eventCount ?? event.dataCollections.reduce(0) { $0 + $1.eventCount },
            collections: event.dataCollections))
    }
}
