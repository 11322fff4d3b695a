import HelioEvents
import HelioKafka
import HelioOps

/// What one Kafka record means to the applier.
enum DecodedRecord {
    case change(StagedChange)
    /// A fact insert or snapshot read whose values could be typed.
    case fact(StagedFact)
    case transactionEnd(StagedTransaction)
    /// A snapshot read in Debezium's form that also ends its snapshot position (`DebeziumChange`).
    case changeEndingSnapshot(StagedChange, StagedTransaction)
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
    /// `capture.compatibility`: which record form the change topics hold.
    var form: HelioConfiguration.Compatibility = .helio
    /// `capture.decimal_handling_mode`: how Debezium's form carries numerics.
    var decimalMode: HelioConfiguration.DecimalHandlingMode = .precise
    /// Source tables the warehouse models.
    static let modelledTables: Set<String> = ["users", "units", "devices", "energy", "energy_compensate", "irradiance"]

    func decode(_ record: KafkaRecord) throws(PoisonRecord) -> DecodedRecord {
        try decodeOnItsTimeline(record).movingPositions(by: try SourceTimeline.shift(of: record))
    }

    /// The record with the positions its source gave it (on the timeline it names).
    private func decodeOnItsTimeline(_ record: KafkaRecord) throws(PoisonRecord) -> DecodedRecord {
        if record.topic == topics.transaction { return try transaction(record) }
        guard let (_, table) = topics.parseTable(topic: record.topic), Self.modelledTables.contains(table) else { return .nothing }
        guard let value = record.value else { return .nothing } // tombstone: the delete came before it
        if form == .debezium { return try debeziumChange(record, value: value, table: table) }
        return table == "users" ? .change(try protectedChange(record, value: value, table: table))
                                : try rawChange(record, value: value, table: table)
    }

    /// Most tables: the row images go to the warehouse as the JSON text they arrived in;
    /// fact inserts typed when they can be.
    private func rawChange(_ record: KafkaRecord, value: [UInt8], table: String) throws(PoisonRecord) -> DecodedRecord {
        let envelope: RawChangeEnvelope
        do {
            envelope = try RawChangeEnvelope.decode(value)
        } catch {
            throw PoisonRecord(reason: "undecodable change event: \(error)")
        }
        let after = envelope.after.map { StagedChange.RowImage.json(value[$0]) }
        let before = envelope.before.map { StagedChange.RowImage.json(value[$0]) }
        let rowID = try rowID(record, op: envelope.op, source: envelope.source, table: table) {
            // Rare: no usable key. The image holding the row decides, as for decoded events.
            guard let range = envelope.after ?? envelope.before else { return nil }
            return (try? JSONValue.parse(value[range]))?.objectValue?["id"]?.int64Value
        }
        if var fact = StagedFact(table: table, op: envelope.op, rowID: rowID, source: envelope.source,
                                 after: envelope.after.map { value[$0] }) {
            fact.partition = record.partition
            return .fact(fact)
        }
        return .change(StagedChange(
            sourceTable: table, op: envelope.op, rowID: rowID, lsn: envelope.source.lsn, commitLSN: envelope.source.commitLSN,
            txID: envelope.source.txId, commitMicros: envelope.source.tsUs, after: after, before: before,
            partition: record.partition))
    }

    /// `users`: personal data is hashed or masked before it reaches the warehouse.
    private func protectedChange(_ record: KafkaRecord, value: [UInt8], table: String) throws(PoisonRecord) -> StagedChange {
        let envelope: ChangeEnvelope
        do {
            envelope = try ChangeEnvelope.decode(value)
        } catch {
            throw PoisonRecord(reason: "undecodable change event: \(error)")
        }
        let rowID = try rowID(record, op: envelope.op, source: envelope.source, table: table) {
            (envelope.after ?? envelope.before)?["id"]?.int64Value
        }
        return StagedChange(
            sourceTable: table, op: envelope.op, rowID: rowID, lsn: envelope.source.lsn, commitLSN: envelope.source.commitLSN,
            txID: envelope.source.txId, commitMicros: envelope.source.tsUs,
            after: envelope.after.map { .object(personalData.protect($0)) },
            before: envelope.before.map { .object(personalData.protect($0)) },
            partition: record.partition)
    }

    /// Debezium's form: decoded whole (its values need converting), never staged typed.
    private func debeziumChange(_ record: KafkaRecord, value: [UInt8], table: String) throws(PoisonRecord) -> DecodedRecord {
        let key = record.key.flatMap { try? RecordKey.decode($0) }
        let personalData = personalData
        let protect: ((JSONObject) -> JSONObject)? = table == "users" ? { personalData.protect($0) } : nil
        let decoded = try DebeziumChange.decode(value, table: table, key: key, partition: record.partition, protect: protect,
                                             decimalMode: decimalMode)
        if let end = decoded.snapshotEnd { return .changeEndingSnapshot(decoded.change, end) }
        return .change(decoded.change)
    }

    /// The changed row's id, from the record key or else the row image; truncates have none.
    private func rowID(_ record: KafkaRecord, op: ChangeOp, source: SourceInfo, table: String,
                       fromImage: () -> Int64?) throws(PoisonRecord) -> Int64? {
        guard source.table == table else {
            throw PoisonRecord(reason: "event for table \(source.table) on topic \(record.topic)")
        }
        guard op != .truncate else { return nil }
        if let key = record.key, let decodedKey = try? RecordKey.decode(key), let id = decodedKey.id { return id }
        guard let id = fromImage() else { throw PoisonRecord(reason: "\(op.rawValue) event without an integer id") }
        return id
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
