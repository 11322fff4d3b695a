import HelioEvents
import HelioKafka
import HelioOps

/// What a poison record still tells about itself, read leniently: which table, row and source
/// transaction it was a change of. A real change that apply cannot read was counted by its
/// transaction's END; unless it is counted as arrived, the dimension watermark waits for it for
/// ever and every fact committed after it with it. So beside the dead-letter topic it is staged
/// as a placeholder (`op` `x`, no values) that the warehouse counts and holds in its quarantine
/// (`dw._hold_dead_letters`), with the later changes of its row waiting behind it, as for a
/// change the warehouse itself cannot apply. A record that does not say that much (not JSON,
/// no `source`, another table's event) was no counted change: the dead-letter topic only.
enum DeadLetterArrival {
    static func staged(_ record: KafkaRecord, reason: String, topics: TopicNames,
                       form: HelioConfiguration.Compatibility) -> StagedChange? {
        guard let (_, table) = topics.parseTable(topic: record.topic), RecordDecoder.modelledTables.contains(table),
              let value = record.value, let event = try? JSONValue.parse(value) else { return nil }
        let envelope = event["payload"]?.objectValue != nil ? event["payload"]! : event   // (a schema-carrying form)
        guard let source = envelope["source"], source["table"]?.stringValue == table,
              let lsn = source["lsn"]?.uint64Value, let txID = source["txId"]?.int64Value else { return nil }
        // Helio's form names the commit; Debezium's is joined to its END by the warehouse.
        let commitLSN = source["commit_lsn"]?.uint64Value
        guard commitLSN != nil || form == .debezium else { return nil }
        let micros = source["ts_us"]?.int64Value ?? source["ts_ms"]?.int64Value.map { $0 * 1_000 } ?? 0
        let rowID = record.key.flatMap { try? RecordKey.decode($0) }?.id
            ?? (envelope["after"] ?? envelope["before"])?["id"]?.int64Value
        var reasonObject = JSONObject()
        reasonObject.append("error", .string(reason))
        let placeholder = StagedChange(sourceTable: table, op: .update, rowID: rowID, lsn: lsn, commitLSN: commitLSN, txID: txID,
                                       commitMicros: micros, after: .object(reasonObject), before: nil, partition: record.partition,
                                       deadLetter: true)
        // Ordered among its row's changes like them: on its timeline (`SourceTimeline`).
        guard let shift = try? SourceTimeline.shift(of: record) else { return nil }
        return try? placeholder.movingPositions(by: shift)
    }
}
