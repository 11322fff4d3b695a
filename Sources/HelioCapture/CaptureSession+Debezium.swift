import HelioEvents
import HelioKafka
import PGOutput

/// Debezium's form (`capture.compatibility: debezium`): a row change's place in its
/// transaction and its headers, a key change as a delete and a create, logical decoding
/// messages on their own topic, and the last commit the next events name.
extension CaptureSession {
    /// After a commit: the LSN and time Debezium's next events name as the last commit.
    func committedForDebezium(endLSN: LSN, transaction: CaptureStateMachine.Transaction?) {
        guard let debezium = builder.debezium else { return }
        debezium.lastCommitLSN = endLSN
        debezium.lastCommitMicros = transaction?.commitMicros
    }

    /// Whether an update moved the row to another key (the old key image differs from the new).
    func keyChanged(_ table: CapturedTable, before: TupleData?, after: TupleData) -> Bool {
        guard let before else { return false }
        for index in table.keyColumns {
            let old = before.values[safe: index] ?? .null
            let new = after.values[safe: index] ?? .null
            if case .unchangedToast = new { continue }
            if old != new { return true }
        }
        return false
    }

    /// A row change in Debezium's form: its place in the transaction, its headers, a
    /// tombstone after a delete; a key change as a delete and tombstone under the old key
    /// and a create under the new (Debezium's default), each with the other key in a header.
    func publishDebezium(_ op: ChangeOp, table: CapturedTable, before: TupleData?, after: TupleData?,
                                 context base: EventBuilder.Context, form: DebeziumForm) throws {
        var context = base
        if op == .update, let after, let before, keyChanged(table, before: before, after: after) {
            let oldKey = builder.key(table, before)
            let newKey = builder.key(table, after)
            context.order = try sink.order(table.qualifiedName)
            var deleted = form.recordPrefixes(table)?.value ?? []
            ChangeEnvelope.encodeHead(before: builder.row(table, before, fillFrom: nil), after: nil, into: &deleted)
            builder.finish(&deleted, op: .delete, table: table, context: context)
            let newKeyHeader = [("__debezium.newkey", form.keyHeader(table, key: newKey))]
            try sink.record(OutgoingRecord(topic: table.topic, key: oldKey, value: deleted, headers: newKeyHeader, shared: form.contextHeaders))
            try sink.record(OutgoingRecord(topic: table.topic, key: oldKey, value: nil, headers: newKeyHeader, shared: form.contextHeaders))
            context.order = try sink.order(table.qualifiedName)
            var created = form.recordPrefixes(table)?.value ?? []
            ChangeEnvelope.encodeHead(before: nil, after: builder.row(table, after, fillFrom: before), into: &created)
            builder.finish(&created, op: .create, table: table, context: context)
            try sink.record(OutgoingRecord(topic: table.topic, key: newKey, value: created,
                                                headers: [("__debezium.oldkey", form.keyHeader(table, key: oldKey))], shared: form.contextHeaders))
            return
        }
        context.order = try sink.order(table.qualifiedName)
        let record = builder.change(op: op, table: table, before: before, after: after, context: context)
        try sink.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, shared: form.contextHeaders))
        if op == .delete {
            try sink.record(OutgoingRecord(topic: table.topic, key: record.key, value: nil, shared: form.contextHeaders))
        }
    }

    /// A logical decoding message on `<prefix>.message`, as Debezium publishes it (Helio's
    /// own messages, prefix `helio.`, are not: heartbeats, snapshot signals and watermarks).
    /// Inside a transaction it is one of its events; a non-transactional message has no
    /// txId and counts, as in Debezium, as a commit at its own LSN.
    func publishDebeziumMessage(_ message: PGOutputMessage.LogicalMessage, at lsn: LSN,
                                        in current: CaptureStateMachine.Transaction?) throws {
        guard let form = builder.debezium else { return }
        var source = DebeziumSource(version: builder.version, name: builder.prefix, db: builder.database, schema: "", table: "",
                                    tsUs: form.lastCommitMicros ?? Clock.unixMicros(), lastCommitLSN: form.lastCommitLSN?.value,
                                    txId: nil, lsn: lsn.value)
        var block: DebeziumEnvelope.TransactionBlock?
        if message.isTransactional, let current {
            source.txId = Int64(current.xid)
            source.tsUs = current.commitMicros
            source.origin = current.origin?.name
            source.originLSN = current.origin?.lsn
            if let order = try sink.order(DebeziumEnvelope.messageDataCollection(lsn: lsn.value)) {
                block = .init(txId: Int64(current.xid), lsn: lsn.value, totalOrder: order.total, dataCollectionOrder: order.collection)
            }
        } else {
            form.lastCommitLSN = lsn
            source.lastCommitLSN = lsn.value
        }
        let value = DebeziumEnvelope.message(prefix: message.prefix, content: message.content, source: source, transaction: block,
                                             timeMillis: Clock.unixMillis())
        let record = form.messageRecord(key: DebeziumEnvelope.messageKey(prefix: message.prefix), value: value)
        try sink.record(OutgoingRecord(topic: sink.topics.message, key: record.key, value: record.value))
    }
}
