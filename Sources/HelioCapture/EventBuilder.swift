import HelioEvents
import PGOutput

/// Turns decoded row changes into Debezium-shaped records (key and value bytes): Helio's own
/// form, or with `capture.compatibility: debezium` (``debezium`` set) Debezium's exactly.
struct EventBuilder {
    let version: String
    let prefix: String
    let database: String
    let templates = SourceTemplates()
    /// Set for `capture.compatibility: debezium`.
    var debezium: DebeziumForm? = nil

    struct Context {
        var txID: Int64
        var lsn: LSN
        var commitLSN: LSN
        /// Commit time, Unix microseconds.
        var commitMicros: Int64
        var snapshot: SnapshotMarker = .false
        // Debezium's form only.
        /// `source.snapshot` as Debezium writes it (`first`, `last_in_data_collection`…).
        var debeziumSnapshot: String? = nil
        /// The event's place in its transaction (the per-event `transaction` block).
        var order: (total: Int, collection: Int)? = nil
        /// `source.txId` is null (Debezium's incremental snapshot reads).
        var noTxID = false
        /// `source.lsn` is null (incremental snapshot reads); `sequence` still names the LSN.
        var noLSN = false
        var origin: (name: String, lsn: UInt64)? = nil
    }

    /// The record's value and key for an insert, update, delete or snapshot read.
    func change(op: ChangeOp, table: CapturedTable, before: TupleData?, after: TupleData?, context: Context) -> (key: [UInt8], value: [UInt8]) {
        var encoded = head(table: table, before: before, after: after, snapshot: op == .read)
        finish(&encoded.head, op: op, table: table, context: context)
        return (encoded.key, encoded.head)
    }

    /// Everything of a change that does not depend on its commit: the key, the value up to
    /// `source`, and the key's first column as text (for incremental snapshots).
    /// `snapshot`: a snapshot read (Debezium reads those through JDBC: a few values differ).
    func head(table: CapturedTable, before: TupleData?, after: TupleData?, snapshot: Bool = false) -> (key: [UInt8], head: [UInt8], keyText: String?) {
        let keySource = after ?? before
        var keyText: String?
        if let keySource, case .text(let text)? = keySource.values[safe: table.keyColumns[0]] { keyText = text }
        // With schemas (capture.debezium_schemas) the value opens with the table's schema.
        var head = debezium?.recordPrefixes(table)?.value ?? []
        head.reserveCapacity(head.count + tailCapacity + 256)
        ChangeEnvelope.encodeHead(before: before.map { row(table, $0, fillFrom: nil, snapshot: snapshot) },
                                  after: after.map { row(table, $0, fillFrom: before, snapshot: snapshot) }, into: &head)
        return (keySource.map { key(table, $0, snapshot: snapshot) } ?? RecordKey(columns: JSONObject()).encoded(), head, keyText)
    }

    /// The record key of a row image: its key columns, in key order.
    func key(_ table: CapturedTable, _ image: TupleData, snapshot: Bool = false) -> [UInt8] {
        let columns = table.relation.columns
        var key = JSONObject(minimumCapacity: table.keyColumns.count)
        for index in table.keyColumns where index < image.values.count {
            if let debezium {
                key.append(columns[index].name, debeziumValue(image.values[index], column: table.debeziumColumn(index), snapshot: snapshot,
                                                              settings: debezium.settings))
            } else {
                key.append(columns[index].name, value(image.values[index], typeOID: columns[index].typeOID))
            }
        }
        let payload = RecordKey(columns: key).encoded()
        guard let prefix = debezium?.recordPrefixes(table)?.key else { return payload }
        return ConnectRecord.wrap(payload, prefix: prefix)
    }

    /// Room for what `finish` appends (`source`, `op`, the times; Debezium's form adds
    /// `transaction`, `ts_us`, `ts_ns` and a longer `source`: 400-odd bytes against 250-odd),
    /// so that a value is allocated once, not grown and copied at its tail. `head` leaves it,
    /// and so does the spool when it reads a head back (`StreamSpool.replay`'s `headRoom`).
    var tailCapacity: Int { debezium == nil ? 320 : 640 }

    /// Completes a value `head` began, once the commit is known.
    func finish(_ value: inout [UInt8], op: ChangeOp, table: CapturedTable, context: Context) {
        if let debezium {
            let template = debezium.template(table: table, builder: self, key: .init(
                txID: context.noTxID ? nil : context.txID, micros: context.commitMicros,
                snapshot: context.debeziumSnapshot ?? (context.snapshot == .false ? "false" : "true"),
                lastCommit: debezium.lastCommitLSN, origin: context.origin?.name, originLSN: context.origin?.lsn))
            let block = context.order.map {
                DebeziumEnvelope.TransactionBlock(txId: context.txID, lsn: context.lsn.value, totalOrder: $0.total, dataCollectionOrder: $0.collection)
            }
            DebeziumEnvelope.encodeTail(source: template, lsn: context.lsn.value, lsnField: !context.noLSN, transaction: block, op: op,
                                        time: .init(nanos: Clock.unixNanos()), into: &value)
            if debezium.schemas { value.append(UInt8(ascii: "}")) } // the payload's end; `head` opened the schema
            return
        }
        ChangeEnvelope.encodeTail(source: templates.template(for: table, context: context, builder: self), lsn: context.lsn.value,
                                  op: op, tsMs: Clock.unixMillis(), into: &value)
    }

    /// The `source` block of the transaction being published, per table.
    final class SourceTemplates {
        private var commit: (txID: Int64, commitLSN: LSN, micros: Int64, snapshot: SnapshotMarker)?
        private var byTable: [String: SourceInfo.Template] = [:]

        func template(for table: CapturedTable, context: Context, builder: EventBuilder) -> SourceInfo.Template {
            if commit == nil || commit! != (context.txID, context.commitLSN, context.commitMicros, context.snapshot) {
                commit = (context.txID, context.commitLSN, context.commitMicros, context.snapshot)
                byTable.removeAll(keepingCapacity: true)
            }
            if let cached = byTable[table.qualifiedName] { return cached }
            let made = builder.source(table: table, context: context).template()
            byTable[table.qualifiedName] = made
            return made
        }
    }

    /// A truncate event: no row, no key. Rare, so its source block is rendered in full.
    func truncate(table: CapturedTable, context: Context) -> [UInt8] {
        ChangeEnvelope(before: nil, after: nil, op: .truncate, tsMs: Clock.unixMillis(),
                       source: source(table: table, context: context)).encoded()
    }

    func source(table: CapturedTable, context: Context) -> SourceInfo {
        SourceInfo(version: version, name: prefix, db: database, schema: table.schema, table: table.name,
                   txId: context.txID, lsn: context.lsn.value, commitLSN: context.commitLSN.value,
                   tsUs: context.commitMicros, snapshot: context.snapshot)
    }

    /// A row as JSON. An unchanged TOASTed value is taken from the old row image when the
    /// server sent one (REPLICA IDENTITY FULL); otherwise it becomes the placeholder that
    /// tells consumers to keep the value they hold.
    func row(_ table: CapturedTable, _ tuple: TupleData, fillFrom old: TupleData?, snapshot: Bool = false) -> JSONObject {
        let columns = table.relation.columns
        var object = JSONObject(minimumCapacity: columns.count)
        let settings = debezium?.settings ?? .defaults
        for (index, column) in columns.enumerated() {
            var raw = index < tuple.values.count ? tuple.values[index] : .null
            if case .unchangedToast = raw, let old, index < old.values.count {
                raw = old.values[index]
            }
            if debezium != nil {
                let described = table.debeziumColumn(index)
                // A type Debezium has no schema for is not in its rows at all.
                guard DebeziumValues.isIncluded(typeOID: described.typeOID) else { continue }
                object.append(column.name, debeziumValue(raw, column: described, snapshot: snapshot, settings: settings))
            } else {
                object.append(column.name, value(raw, typeOID: column.typeOID))
            }
        }
        return object
    }

    func value(_ raw: TupleValue, typeOID: UInt32) -> JSONValue {
        switch raw {
        case .null: return .null
        case .unchangedToast: return .string(unavailableValuePlaceholder)
        case .text(let text): return PGValueConverter.convert(text, typeOID: typeOID)
        case .binary(let bytes): return .string(Base64.encode(bytes))
        }
    }

    /// A value as Debezium writes it; a NOT NULL column without a value (a delete's old key
    /// image) gets Debezium's default or zero.
    func debeziumValue(_ raw: TupleValue, column: DebeziumColumn, snapshot: Bool = false, settings: DebeziumSettings = .defaults) -> JSONValue {
        switch raw {
        case .null: return DebeziumValues.absentValue(for: column, settings: settings) ?? .null
        case .unchangedToast: return DebeziumValues.unchangedToast(typeOID: column.typeOID)
        case .text(let text): return DebeziumValues.convert(text, column: column, snapshot: snapshot, settings: settings)
        case .binary(let bytes): return .string(Base64.encode(bytes))
        }
    }
}
