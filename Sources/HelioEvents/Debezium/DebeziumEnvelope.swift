/// The records of Debezium 3.6's PostgreSQL connector, byte for byte as its `JsonConverter`
/// (`schemas.enable=false`) writes them, for `capture.compatibility: debezium`.
///
/// A change: `{"before":…,"after":…,"source":{…},"transaction":…,"op":"c","ts_ms":…,"ts_us":…,"ts_ns":…}`
/// where the top-level times are when the event was made (processing time) and `transaction`
/// is null on snapshot reads. `source` (``DebeziumSource``) has Debezium's fields in its order.
public enum DebeziumEnvelope {
    /// The per-event `transaction` block: the transaction's id at this event (`txId:lsn`, the
    /// event's own LSN), its place in the transaction and in its table's events.
    public struct TransactionBlock: Sendable, Equatable {
        public var txId: Int64
        public var lsn: UInt64
        public var totalOrder: Int
        public var dataCollectionOrder: Int

        public init(txId: Int64, lsn: UInt64, totalOrder: Int, dataCollectionOrder: Int) {
            self.txId = txId
            self.lsn = lsn
            self.totalOrder = totalOrder
            self.dataCollectionOrder = dataCollectionOrder
        }

        public func write(into buffer: inout [UInt8]) {
            buffer.appendASCII("{\"id\":\"")
            buffer.appendDecimal(txId)
            buffer.append(UInt8(ascii: ":"))
            buffer.appendDecimal(lsn)
            buffer.appendASCII("\",\"total_order\":")
            buffer.appendDecimal(Int64(totalOrder))
            buffer.appendASCII(",\"data_collection_order\":")
            buffer.appendDecimal(Int64(dataCollectionOrder))
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Processing time, in the three units Debezium gives it.
    public struct ProcessingTime: Sendable, Equatable {
        public var nanos: Int64
        public init(nanos: Int64) { self.nanos = nanos }
        public var millis: Int64 { DebeziumTemporal.floorDivide(nanos, 1_000_000) }
        public var micros: Int64 { DebeziumTemporal.floorDivide(nanos, 1_000) }
    }

    /// `source`, `transaction`, `op` and the times, closing what `ChangeEnvelope.encodeHead` opened.
    public static func encodeTail(source: DebeziumSource.Template, lsn: UInt64?, lsnField: Bool = true, transaction: TransactionBlock?,
                                  op: ChangeOp, time: ProcessingTime, into buffer: inout [UInt8]) {
        source.write(lsn: lsn, lsnField: lsnField, into: &buffer)
        buffer.appendASCII(",\"transaction\":")
        if let transaction { transaction.write(into: &buffer) } else { buffer.appendASCII("null") }
        buffer.appendASCII(",\"op\":\"")
        buffer.append(contentsOf: op.rawValue.utf8)
        buffer.appendASCII("\",")
        if time.nanos >= 0 {
            buffer.appendProcessingTimes(nanos: UInt64(time.nanos))
        } else { // a clock before 1970: floor division, as Java's
            buffer.appendTimeFields(millis: time.millis, micros: time.micros, nanos: time.nanos)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    /// A whole change event.
    public static func encode(before: JSONObject?, after: JSONObject?, source: DebeziumSource, transaction: TransactionBlock?,
                              op: ChangeOp, time: ProcessingTime) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(512)
        ChangeEnvelope.encodeHead(before: before, after: after, into: &buffer)
        encodeTail(source: source.template(), lsn: source.lsn, transaction: transaction, op: op, time: time, into: &buffer)
        return buffer
    }

    // MARK: - Logical decoding messages

    /// A logical decoding message on `<prefix>.message`:
    /// `{"op":"m","ts_ms":…,"source":{…},"transaction":…,"message":{"prefix":…,"content":base64}}`
    /// (no `ts_us`/`ts_ns`: Debezium's message envelope has only `ts_ms`, processing time).
    public static func message(prefix: String, content: some Collection<UInt8>, source: DebeziumSource,
                               transaction: TransactionBlock?, timeMillis: Int64) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.appendASCII("{\"op\":\"m\",\"ts_ms\":")
        buffer.appendDecimal(timeMillis)
        buffer.appendASCII(",\"source\":")
        source.template().write(lsn: source.lsn, into: &buffer)
        buffer.appendASCII(",\"transaction\":")
        if let transaction { transaction.write(into: &buffer) } else { buffer.appendASCII("null") }
        buffer.appendASCII(",\"message\":{\"prefix\":")
        buffer.appendJSONString(prefix)
        buffer.appendASCII(",\"content\":")
        buffer.appendJSONString(Base64.encode(content))
        buffer.appendASCII("}}")
        return buffer
    }

    /// The key of a message record: `{"prefix":…}`.
    public static func messageKey(prefix: String) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.appendASCII("{\"prefix\":")
        buffer.appendJSONString(prefix)
        buffer.append(UInt8(ascii: "}"))
        return buffer
    }

    /// The `data_collection` Debezium 3.6 counts a message under in END: the default
    /// `toString` of a new `LogicalDecodingMessageId` object each time (its class name and
    /// an identity hash code), so every message is its own entry with count 1, under a name
    /// that differs from run to run. Helio writes the same class name with a hash of its own
    /// (of the message's LSN), different for every message as Debezium's are.
    public static func messageDataCollection(lsn: UInt64) -> String {
        var hash = lsn &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 29
        let identity = UInt32(truncatingIfNeeded: hash) & 0x7FFF_FFFF
        return "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$LogicalDecodingMessageId@" + hex(identity)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        var rest = value
        repeat {
            out.append(digits[Int(rest & 0xF)])
            rest >>= 4
        } while rest > 0
        return String(decoding: out.reversed(), as: UTF8.self)
    }

    // MARK: - Transaction events

    /// BEGIN or END on `<prefix>.transaction`, in Debezium's field order:
    /// `{"status":"BEGIN","id":…,"event_count":null,"data_collections":null,"ts_ms":…}`.
    public static func transactionEvent(_ event: TransactionEvent) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.appendASCII("{\"status\":\"")
        buffer.append(contentsOf: event.status.rawValue.utf8)
        buffer.appendASCII("\",\"id\":")
        buffer.appendJSONString(event.id)
        buffer.appendASCII(",\"event_count\":")
        if event.status == .begin {
            buffer.appendASCII("null,\"data_collections\":null")
        } else {
            buffer.appendDecimal(Int64(event.eventCount ?? 0))
            buffer.appendASCII(",\"data_collections\":[")
            for (index, entry) in event.dataCollections.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.appendASCII("{\"data_collection\":")
                buffer.appendJSONString(entry.collection)
                buffer.appendASCII(",\"event_count\":")
                buffer.appendDecimal(Int64(entry.eventCount))
                buffer.append(UInt8(ascii: "}"))
            }
            buffer.append(UInt8(ascii: "]"))
        }
        buffer.appendASCII(",\"ts_ms\":")
        buffer.appendDecimal(event.tsMs)
        buffer.append(UInt8(ascii: "}"))
        return buffer
    }
}

/// Debezium's `source` block for PostgreSQL, fields in its order: version, connector, name,
/// ts_ms, snapshot, db, sequence, ts_us, ts_ns, schema, table, txId, lsn, xmin, origin, origin_lsn.
///
/// `sequence` is `[last commit LSN, this LSN]` as a JSON string: the end LSN of the last
/// transaction Debezium saw commit (null until one did since it started), then the event's
/// LSN. `xmin` is null (Debezium's default `xmin.fetch.interval.ms=0`).
public struct DebeziumSource: Sendable, Equatable {
    public var version: String
    public var connector = "postgresql"
    public var name: String
    public var db: String
    public var schema: String
    public var table: String
    /// Commit time (snapshot: the snapshot's time), Unix µs.
    public var tsUs: Int64
    public var snapshot: String
    public var lastCommitLSN: UInt64?
    public var txId: Int64?
    public var lsn: UInt64?
    public var origin: String?
    public var originLSN: UInt64?

    public init(version: String, name: String, db: String, schema: String, table: String, tsUs: Int64, snapshot: String = "false",
                lastCommitLSN: UInt64?, txId: Int64?, lsn: UInt64?, origin: String? = nil, originLSN: UInt64? = nil) {
        self.version = version
        self.name = name
        self.db = db
        self.schema = schema
        self.table = table
        self.tsUs = tsUs
        self.snapshot = snapshot
        self.lastCommitLSN = lastCommitLSN
        self.txId = txId
        self.lsn = lsn
        self.origin = origin
        self.originLSN = originLSN
    }

    /// The block rendered once per transaction and table; the event's LSN goes in twice.
    public struct Template: Sendable {
        let head: [UInt8]
        let middle: [UInt8]
        let tail: [UInt8]

        /// `lsnField` false: `lsn` is null though `sequence` names the position (Debezium's
        /// incremental snapshot reads).
        public func write(lsn: UInt64?, lsnField: Bool = true, into buffer: inout [UInt8]) {
            buffer.append(contentsOf: head)
            if let lsn {
                buffer.appendASCII("\\\"")
                buffer.appendDecimal(lsn)
                buffer.appendASCII("\\\"")
            } else {
                buffer.appendASCII("null")
            }
            buffer.append(contentsOf: middle)
            if let lsn, lsnField { buffer.appendDecimal(lsn) } else { buffer.appendASCII("null") }
            buffer.append(contentsOf: tail)
        }
    }

    public func template() -> Template {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(320)
        buffer.appendASCII("{\"version\":")
        buffer.appendJSONString(version)
        buffer.appendASCII(",\"connector\":")
        buffer.appendJSONString(connector)
        buffer.appendASCII(",\"name\":")
        buffer.appendJSONString(name)
        buffer.appendASCII(",\"ts_ms\":")
        buffer.appendDecimal(DebeziumTemporal.floorDivide(tsUs, 1_000))
        buffer.appendASCII(",\"snapshot\":")
        buffer.appendJSONString(snapshot)
        buffer.appendASCII(",\"db\":")
        buffer.appendJSONString(db)
        // The sequence is a JSON string holding a JSON array, hence the escaped quotes.
        buffer.appendASCII(",\"sequence\":\"[")
        if let lastCommitLSN {
            buffer.appendASCII("\\\"")
            buffer.appendDecimal(lastCommitLSN)
            buffer.appendASCII("\\\"")
        } else {
            buffer.appendASCII("null")
        }
        buffer.append(UInt8(ascii: ","))
        let head = buffer
        buffer.removeAll(keepingCapacity: true)
        buffer.appendASCII("]\",\"ts_us\":")
        buffer.appendDecimal(tsUs)
        buffer.appendASCII(",\"ts_ns\":")
        buffer.appendDecimal(tsUs &* 1_000)
        buffer.appendASCII(",\"schema\":")
        buffer.appendJSONString(schema)
        buffer.appendASCII(",\"table\":")
        buffer.appendJSONString(table)
        buffer.appendASCII(",\"txId\":")
        if let txId { buffer.appendDecimal(txId) } else { buffer.appendASCII("null") }
        buffer.appendASCII(",\"lsn\":")
        let middle = buffer
        buffer.removeAll(keepingCapacity: true)
        buffer.appendASCII(",\"xmin\":null,\"origin\":")
        if let origin { buffer.appendJSONString(origin) } else { buffer.appendASCII("null") }
        buffer.appendASCII(",\"origin_lsn\":")
        if let originLSN { buffer.appendDecimal(originLSN) } else { buffer.appendASCII("null") }
        buffer.append(UInt8(ascii: "}"))
        return Template(head: head, middle: middle, tail: buffer)
    }

    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        template().write(lsn: lsn, into: &buffer)
        return buffer
    }
}
