/// The `source` block of a change event: where and when the change happened.
///
/// `lsn` and `commit_lsn` are JSON integers (Debezium's `lsn` is one too); together with
/// `table` and the record key, `lsn` is what consumers deduplicate by.
public struct SourceInfo: Sendable, Equatable {
    /// Helio's version, for tracing an event back to the code that wrote it.
    public var version: String
    public var connector: String
    /// The topic prefix (Debezium's logical server name).
    public var name: String
    public var db: String
    public var schema: String
    public var table: String
    public var txId: Int64
    /// This change's LSN.
    public var lsn: UInt64
    /// The commit LSN of this change's transaction.
    public var commitLSN: UInt64
    /// Commit time in Unix milliseconds.
    public var tsMs: Int64
    /// Commit time in Unix microseconds, exact: the warehouse versions by it.
    public var tsUs: Int64
    public var snapshot: SnapshotMarker

    public static let defaultConnector = "postgresql"

    /// `tsMs` defaults to `tsUs` rounded down, which is what it must be.
    public init(
        version: String, connector: String = SourceInfo.defaultConnector, name: String,
        db: String, schema: String, table: String,
        txId: Int64, lsn: UInt64, commitLSN: UInt64,
        tsUs: Int64, tsMs: Int64? = nil, snapshot: SnapshotMarker = .false
    ) {
        self.version = version
        self.connector = connector
        self.name = name
        self.db = db
        self.schema = schema
        self.table = table
        self.txId = txId
        self.lsn = lsn
        self.commitLSN = commitLSN
        self.tsUs = tsUs
        self.tsMs = tsMs ?? PostgresTime.unixMillis(unixMicros: tsUs)
        self.snapshot = snapshot
    }

    /// Debezium's `sequence`: a string holding a JSON array of the commit LSN and the
    /// LSN as decimal strings, e.g. `["53195832","53195720"]`.
    public var sequence: String {
        "[\"\(commitLSN)\",\"\(lsn)\"]"
    }

    /// Appends the `source` object; keys in Debezium's order, plus `commit_lsn`.
    public func write(into buffer: inout [UInt8]) {
        template().write(lsn: lsn, into: &buffer)
    }

    /// The block rendered once for a transaction and table, with slots for the one field
    /// that changes from row to row (`lsn`, which appears twice): capture writes thousands of
    /// rows per transaction and table, and formatting the rest again for each is waste.
    public struct Template: Sendable {
        let head: [UInt8]
        let middle: [UInt8]
        let tail: [UInt8]

        public func write(lsn: UInt64, into buffer: inout [UInt8]) {
            buffer.append(contentsOf: head)
            buffer.appendDecimal(lsn)
            buffer.append(contentsOf: middle)
            buffer.appendDecimal(lsn)
            buffer.append(contentsOf: tail)
        }
    }

    public func template() -> Template {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        buffer.appendASCII("{\"version\":")
        buffer.appendJSONString(version)
        buffer.appendASCII(",\"connector\":")
        buffer.appendJSONString(connector)
        buffer.appendASCII(",\"name\":")
        buffer.appendJSONString(name)
        buffer.appendASCII(",\"ts_ms\":")
        buffer.appendDecimal(tsMs)
        buffer.appendASCII(",\"ts_us\":")
        buffer.appendDecimal(tsUs)
        buffer.appendASCII(",\"snapshot\":\"")
        buffer.append(contentsOf: snapshot.rawValue.utf8)
        buffer.appendASCII("\",\"db\":")
        buffer.appendJSONString(db)
        // The sequence is a JSON string that itself holds quotes, hence the escapes.
        buffer.appendASCII(",\"sequence\":\"[\\\"")
        buffer.appendDecimal(commitLSN)
        buffer.appendASCII("\\\",\\\"")
        let head = buffer
        buffer.removeAll(keepingCapacity: true)
        buffer.appendASCII("\\\"]\",\"schema\":")
        buffer.appendJSONString(schema)
        buffer.appendASCII(",\"table\":")
        buffer.appendJSONString(table)
        buffer.appendASCII(",\"txId\":")
        buffer.appendDecimal(txId)
        buffer.appendASCII(",\"lsn\":")
        let middle = buffer
        buffer.removeAll(keepingCapacity: true)
        buffer.appendASCII(",\"commit_lsn\":")
        buffer.appendDecimal(commitLSN)
        buffer.append(UInt8(ascii: "}"))
        return Template(head: head, middle: middle, tail: buffer)
    }

    /// Reads and type-checks every field; extra fields (`sequence`, Debezium's `xmin`,
    /// `ts_ns`) are ignored so that events from Debezium itself decode too.
    public static func decode(_ value: JSONValue) throws(EnvelopeError) -> SourceInfo {
        let fields = try FieldReader(value, path: "source")
        return SourceInfo(
            version: try fields.string("version"),
            connector: try fields.string("connector"),
            name: try fields.string("name"),
            db: try fields.string("db"),
            schema: try fields.string("schema"),
            table: try fields.string("table"),
            txId: try fields.int64("txId"),
            lsn: try fields.uint64("lsn"),
            commitLSN: try fields.uint64("commit_lsn"),
            tsUs: try fields.int64("ts_us"),
            tsMs: try fields.int64("ts_ms"),
            snapshot: try fields.enumeration("snapshot", as: SnapshotMarker.self)
        )
    }
}
