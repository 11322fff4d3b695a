import HelioEvents
import PGOutput

/// Turns decoded row changes into Debezium-shaped records (key and value bytes).
struct EventBuilder {
    let version: String
    let prefix: String
    let database: String

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
        let columns = table.relation.columns
        let afterObject = after.map { row(columns, $0, fillFrom: before) }
        let beforeObject = before.map { row(columns, $0, fillFrom: nil) }
        let keySource = after ?? before
        var key = JSONObject(minimumCapacity: table.keyColumns.count)
        if let keySource {
            for index in table.keyColumns {
                key.append(columns[index].name, value(keySource.values[index], typeOID: columns[index].typeOID))
            }
        }
        let envelope = ChangeEnvelope(
            before: beforeObject, after: afterObject, op: op, tsMs: Clock.unixMillis(),
            source: source(table: table, context: context))
        return (RecordKey(columns: key).encoded(), envelope.encoded())
    }

    /// A truncate event: no row, no key.
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
