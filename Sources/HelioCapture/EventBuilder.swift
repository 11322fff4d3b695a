import HelioEvents
import PGOutput

/// Turns decoded row changes into Debezium-shaped records (key and value bytes).
struct EventBuilder {
    let version: String
    let prefix: String
    let database: String
    let templates = SourceTemplates()

    struct Context {
        var txID: Int64
        var lsn: LSN
        var commitLSN: LSN
        /// Commit time, Unix microseconds.
        var commitMicros: Int64
        var snapshot: SnapshotMarker = .false
    }

    /// The record's value and key for an insert, update, delete or snapshot read.
    func change(op: ChangeOp, table: CapturedTable, before: TupleData?, after: TupleData?, context: Context) -> (key: [UInt8], value: [UInt8]) {
        var encoded = head(table: table, before: before, after: after)
        finish(&encoded.head, op: op, table: table, context: context)
        return (encoded.key, encoded.head)
    }

    /// Everything of a change that does not depend on its commit: the key, the value up to
    /// `source`, and the key's first column as text (for incremental snapshots).
    func head(table: CapturedTable, before: TupleData?, after: TupleData?) -> (key: [UInt8], head: [UInt8], keyText: String?) {
        let columns = table.relation.columns
        let keySource = after ?? before
        var key = JSONObject(minimumCapacity: table.keyColumns.count)
        var keyText: String?
        if let keySource {
            for index in table.keyColumns where index < keySource.values.count {
                key.append(columns[index].name, value(keySource.values[index], typeOID: columns[index].typeOID))
            }
            if case .text(let text)? = keySource.values[safe: table.keyColumns[0]] { keyText = text }
        }
        var head: [UInt8] = []
        head.reserveCapacity(512)
        ChangeEnvelope.encodeHead(before: before.map { row(columns, $0, fillFrom: nil) },
                                  after: after.map { row(columns, $0, fillFrom: before) }, into: &head)
        return (RecordKey(columns: key).encoded(), head, keyText)
    }

    /// Completes a value `head` began, once the commit is known.
    func finish(_ value: inout [UInt8], op: ChangeOp, table: CapturedTable, context: Context) {
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
    func row(_ columns: [PGOutputMessage.Relation.Column], _ tuple: TupleData, fillFrom old: TupleData?) -> JSONObject {
        var object = JSONObject(minimumCapacity: columns.count)
        for (index, column) in columns.enumerated() {
            var raw = index < tuple.values.count ? tuple.values[index] : .null
            if case .unchangedToast = raw, let old, index < old.values.count {
                raw = old.values[index]
            }
            object.append(column.name, value(raw, typeOID: column.typeOID))
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
}
