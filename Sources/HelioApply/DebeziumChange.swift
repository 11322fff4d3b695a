import HelioEvents
import HelioOps

/// A change event of `capture.compatibility: debezium` (Debezium 3.6's record form), read into
/// what apply stages. Three things set it apart from Helio's own form, and each has an answer:
///
/// - **No commit position.** A change names its transaction (`source.txId`) but not the
///   transaction's commit LSN, which only the END on the transaction topic carries. It is
///   staged with `commitLSN` nil, and the warehouse joins it to its END
///   (`dw._join_commit_positions`), holding it until that END has arrived.
/// - **Values as Kafka Connect encodes them.** `numeric` as base64 of the unscaled integer
///   (the scale is the column's declaration, which the payload does not carry), `date` as days
///   since 1970. They are turned back into the contract's forms using apply's own model of the
///   source tables (`DebeziumColumns`); timestamps with zone are ISO-8601 text in both forms.
/// - **With or without schemas.** With `capture.debezium_schemas` (JsonConverter's
///   `schemas.enable=true`) the record is `{"schema":…,"payload":…}`: the payload is read as
///   the record without schema, the schema skipped (checked as JSON, never built).
/// - **No BEGIN/END around snapshots.** An initial snapshot's rows sit at the slot's consistent
///   point (`source.lsn`), as in Helio's form one byte below it. Incremental snapshot rows have
///   no transaction and no `lsn`, only their place in `source.sequence`. Every snapshot row
///   comes with an END for its position that announces no events: the warehouse then never
///   waits for a snapshot to be whole (its size is not in the records), and the position is
///   known as soon as any of its rows is. The transaction topic can still run ahead of the
///   change topics, past the snapshot: `dw.record_tx_ends` records an END that announces no
///   events even behind the dimension watermark, where others are taken for repeats.
struct DebeziumChange {
    var change: StagedChange
    /// The END apply records for a snapshot position, which Debezium's form never sends.
    var snapshotEnd: StagedTransaction?

    /// `protect` is applied to both images of `users` (personal data).
    static func decode(_ value: [UInt8], table: String, key: RecordKey?, partition: Int32,
                       protect: ((JSONObject) -> JSONObject)?,
                       decimalMode: HelioConfiguration.DecimalHandlingMode = .precise) throws(PoisonRecord) -> DebeziumChange {
        let parsed: JSONValue?
        if let payload = ConnectRecord.payloadRange(value) {
            parsed = try? JSONValue.parse(value[payload])
        } else {
            parsed = try? JSONValue.parse(value)
        }
        guard let envelope = parsed?.objectValue else {
            throw PoisonRecord(reason: "undecodable change event: not a JSON object")
        }
        guard let opText = envelope["op"]?.stringValue, let op = ChangeOp(rawValue: opText) else {
            throw PoisonRecord(reason: "change event without a known op")
        }
        guard let source = envelope["source"]?.objectValue, let sourceTable = source["table"]?.stringValue else {
            throw PoisonRecord(reason: "change event without source.table")
        }
        guard sourceTable == table else { throw PoisonRecord(reason: "event for table \(sourceTable) on the topic of \(table)") }
        guard let commitMicros = source["ts_us"]?.int64Value else { throw PoisonRecord(reason: "change event without source.ts_us") }
        let columns = DebeziumColumns(table: table, decimalMode: decimalMode)
        func image(_ name: String) throws(PoisonRecord) -> JSONObject? {
            guard let raw = envelope[name], !raw.isNull else { return nil }
            guard let object = raw.objectValue else { throw PoisonRecord(reason: "\(name) is not an object") }
            let values = try columns.contractValues(object)
            return protect.map { $0(values) } ?? values
        }
        let after = try image("after")
        let before = try image("before")
        let rowID: Int64?
        if op == .truncate {
            rowID = nil
        } else if let id = key?.id ?? (after ?? before)?["id"]?.int64Value {
            rowID = id
        } else {
            throw PoisonRecord(reason: "\(op.rawValue) event without an integer id")
        }

        let snapshot = source["snapshot"]?.stringValue ?? "false"
        var change = StagedChange(sourceTable: table, op: op, rowID: rowID, lsn: 0, commitLSN: nil, txID: 0,
                                  commitMicros: commitMicros, after: after.map { .object($0) }, before: before.map { .object($0) },
                                  partition: partition)
        switch snapshot {
        case "false":
            guard let txID = source["txId"]?.int64Value, let lsn = source["lsn"]?.uint64Value else {
                throw PoisonRecord(reason: "streamed change without source.txId and source.lsn")
            }
            change.txID = txID
            change.lsn = lsn
            return DebeziumChange(change: change, snapshotEnd: nil)
        case "incremental":
            guard let position = sequencePosition(source) else {
                throw PoisonRecord(reason: "incremental snapshot read without a position in source.sequence")
            }
            change.lsn = position
            change.commitLSN = position
            return DebeziumChange(change: change, snapshotEnd: snapshotEnd(at: position, txID: 0, commitMicros: commitMicros))
        default: // true, first, first_in_data_collection, last_in_data_collection, last
            guard let point = source["lsn"]?.uint64Value, point > 0 else {
                throw PoisonRecord(reason: "snapshot read without source.lsn")
            }
            // One byte below the consistent point, as Helio's form: a change streamed right at
            // it must not share (table, key, lsn) with the row's read.
            change.lsn = point - 1
            change.commitLSN = point
            change.txID = source["txId"]?.int64Value ?? 0
            return DebeziumChange(change: change, snapshotEnd: snapshotEnd(at: point, txID: change.txID, commitMicros: commitMicros))
        }
    }

    /// A snapshot position as a transaction that announced none of its events: nothing waits
    /// for them (they are applied as they come), and positions after it are no longer held back.
    private static func snapshotEnd(at position: UInt64, txID: Int64, commitMicros: Int64) -> StagedTransaction {
        StagedTransaction(txID: txID, commitLSN: position, commitMillis: commitMicros / 1_000, eventCount: 0, collections: [])
    }

    /// `source.sequence` is a JSON array in a string: `["<last commit>","<lsn>"]`.
    private static func sequencePosition(_ source: JSONObject) -> UInt64? {
        guard let text = source["sequence"]?.stringValue, let array = (try? JSONValue.parse(Array(text.utf8)))?.arrayValue,
              array.count == 2, let position = array[1].stringValue.flatMap({ UInt64($0) }) else { return nil }
        return position
    }
}
