import HelioEvents
import HelioPostgres

/// One change event as the warehouse's staging table takes it.
struct StagedChange {
    var sourceTable: String
    var op: ChangeOp
    var rowID: Int64?
    var lsn: UInt64
    /// Nil for a change in Debezium's form, which names only its transaction: the warehouse
    /// joins it to that transaction's END (`dw._join_commit_positions`).
    var commitLSN: UInt64?
    var txID: Int64
    var commitMicros: Int64
    var after: RowImage?
    var before: RowImage?
    /// The Kafka partition it came from: apply counts arrivals per partition (dw._count_arrivals).
    var partition: Int32 = -1
    /// A placeholder for a poison record that was a change (`DeadLetterArrival`): staged with
    /// op `x`, counted as arrived and held, never applied.
    var deadLetter = false

    /// A row as decoded values (when the applier changes it: personal data), or as the JSON
    /// text it arrived in, validated (everything else: written to COPY as it is).
    enum RowImage {
        case object(JSONObject)
        case json(ArraySlice<UInt8>)
    }

    /// COPY text row for `pg_temp.stage_changes`.
    func copyRow(seq: Int, into buffer: inout [UInt8]) {
        func field(_ text: String) {
            CopyText.escape(text, into: &buffer)
            buffer.append(0x09)
        }
        func decimal(_ value: Int64?) {
            if let value { buffer.appendDecimalText(value) } else { buffer.append(contentsOf: [0x5C, 0x4E]) }
            buffer.append(0x09)
        }
        func image(_ row: RowImage?) {
            switch row {
            case nil:
                buffer.append(contentsOf: [0x5C, 0x4E])
            case .json(let text):
                text.withUnsafeBufferPointer { CopyText.escape(bytes: $0, into: &buffer) }
            case .object(let object):
                var json: [UInt8] = []
                JSONValue.object(object).write(into: &json)
                json.withUnsafeBufferPointer { CopyText.escape(bytes: $0, into: &buffer) }
            }
            buffer.append(0x09)
        }
        decimal(Int64(seq))
        field(sourceTable)
        field(deadLetter ? "x" : op.rawValue)
        decimal(rowID)
        field(LSNText.format(lsn))
        if let commitLSN { field(LSNText.format(commitLSN)) } else { buffer.append(contentsOf: [0x5C, 0x4E, 0x09]) }
        decimal(txID)
        field(PostgresTime.iso8601UTC(unixMicros: commitMicros))
        image(after)
        image(before)
        buffer.appendDecimalText(Int64(partition))
        buffer.append(0x0A)
    }
}

extension Array where Element == UInt8 {
    /// Digits written in place: `String(value)` would allocate once per field per row.
    mutating func appendDecimalText(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = count
        repeat {
            append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        self[start..<count].reverse()
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
        json.withUnsafeBufferPointer { CopyText.escape(bytes: $0, into: &buffer) }
        buffer.append(0x0A)
    }
}

enum LSNText {
    /// PostgreSQL's `pg_lsn` text form, `16/B374D848`.
    static func format(_ value: UInt64) -> String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }
}

