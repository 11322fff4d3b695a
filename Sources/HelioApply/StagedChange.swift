import HelioEvents
import HelioPostgres

/// One change event as the warehouse's staging table takes it.
struct StagedChange {
    var sourceTable: String
    var op: ChangeOp
    var rowID: Int64?
    var lsn: UInt64
    var commitLSN: UInt64
    var txID: Int64
    var commitMicros: Int64
    var after: JSONObject?
    var before: JSONObject?

    /// COPY text row for `pg_temp.stage_changes`.
    func copyRow(seq: Int, into buffer: inout [UInt8]) {
        var json: [UInt8] = []
        func field(_ text: String?, last: Bool = false) {
            if let text { CopyText.escape(text, into: &buffer) } else { buffer.append(contentsOf: [0x5C, 0x4E]) }
            buffer.append(last ? 0x0A : 0x09)
        }
        func jsonField(_ object: JSONObject?, last: Bool = false) {
            guard let object else { field(nil, last: last); return }
            json.removeAll(keepingCapacity: true)
            JSONValue.object(object).write(into: &json)
            CopyText.escape(bytes: json, into: &buffer)
            buffer.append(last ? 0x0A : 0x09)
        }
        field(String(seq))
        field(sourceTable)
        field(op.rawValue)
        field(rowID.map(String.init))
        field(LSNText.format(lsn))
        field(LSNText.format(commitLSN))
        field(String(txID))
        field(PostgresTime.iso8601UTC(unixMicros: commitMicros))
        jsonField(after)
        jsonField(before, last: true)
    }
}

/// An END event of the transaction topic, for `pg_temp.stage_tx`.
struct StagedTransaction {
    var txID: Int64
    var commitLSN: UInt64
    var commitMillis: Int64
    var eventCount: Int
    var collections: [TransactionEvent.DataCollection]

    func copyRow(into buffer: inout [UInt8]) {
        var object = JSONObject(minimumCapacity: collections.count)
        for collection in collections { object.append(collection.collection, .number(String(collection.eventCount))) }
        var json: [UInt8] = []
        JSONValue.object(object).write(into: &json)
        let fields = [String(txID), LSNText.format(commitLSN), PostgresTime.iso8601UTC(unixMicros: commitMillis * 1_000), String(eventCount)]
        for text in fields {
            CopyText.escape(text, into: &buffer)
            buffer.append(0x09)
        }
        CopyText.escape(bytes: json, into: &buffer)
        buffer.append(0x0A)
    }
}

enum LSNText {
    /// PostgreSQL's `pg_lsn` text form, `16/B374D848`.
    static func format(_ value: UInt64) -> String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }
}

