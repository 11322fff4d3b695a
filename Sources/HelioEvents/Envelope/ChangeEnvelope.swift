/// One change event, the value of a record on a table topic, in Debezium's envelope shape:
/// `{"before":…,"after":…,"source":{…},"op":"c","ts_ms":…}`.
public struct ChangeEnvelope: Sendable, Equatable {
    /// The old row, when the server sent one (REPLICA IDENTITY FULL, a changed key, or a
    /// delete's key columns); consumers must not depend on it.
    public var before: JSONObject?
    /// The new row; nil for deletes and truncates.
    public var after: JSONObject?
    public var op: ChangeOp
    /// When capture processed the change (Unix ms); the commit time is in `source`.
    public var tsMs: Int64
    public var source: SourceInfo

    public init(before: JSONObject?, after: JSONObject?, op: ChangeOp, tsMs: Int64, source: SourceInfo) {
        self.before = before
        self.after = after
        self.op = op
        self.tsMs = tsMs
        self.source = source
    }

    /// Appends the event's JSON; keys in the order above, rows in column order.
    public func encode(into buffer: inout [UInt8]) {
        Self.encodeHead(before: before, after: after, into: &buffer)
        Self.encodeTail(source: source, op: op, tsMs: tsMs, into: &buffer)
    }

    /// The part before `source`, which does not depend on the commit: capture encodes it while
    /// a large transaction is still streaming and adds the tail when it commits.
    public static func encodeHead(before: JSONObject?, after: JSONObject?, into buffer: inout [UInt8]) {
        buffer.appendASCII("{\"before\":")
        write(before, into: &buffer)
        buffer.appendASCII(",\"after\":")
        write(after, into: &buffer)
        buffer.appendASCII(",\"source\":")
    }

    /// `source`, `op` and `ts_ms`, closing the object `encodeHead` opened.
    public static func encodeTail(source: SourceInfo, op: ChangeOp, tsMs: Int64, into buffer: inout [UInt8]) {
        encodeTail(source: source.template(), lsn: source.lsn, op: op, tsMs: tsMs, into: &buffer)
    }

    /// As above, from a source template rendered once per transaction and table.
    public static func encodeTail(source: SourceInfo.Template, lsn: UInt64, op: ChangeOp, tsMs: Int64, into buffer: inout [UInt8]) {
        source.write(lsn: lsn, into: &buffer)
        buffer.appendASCII(",\"op\":\"")
        buffer.append(contentsOf: op.rawValue.utf8)
        buffer.appendASCII("\",\"ts_ms\":")
        buffer.appendDecimal(tsMs)
        buffer.append(UInt8(ascii: "}"))
    }

    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(512)
        encode(into: &buffer)
        return buffer
    }

    private static func write(_ row: JSONObject?, into buffer: inout [UInt8]) {
        if let row {
            row.write(into: &buffer)
        } else {
            buffer.appendASCII("null")
        }
    }
}

extension ChangeEnvelope {
    /// Decodes and validates a record value against the contract. Every failure names its
    /// field, so the applier can dead-letter the record with a useful reason.
    public static func decode(_ bytes: some Collection<UInt8>) throws(EnvelopeError) -> ChangeEnvelope {
        try decode(parseRecord(bytes))
    }

    public static func decode(_ value: JSONValue) throws(EnvelopeError) -> ChangeEnvelope {
        let fields = try FieldReader(value, path: "")
        let before = try fields.optionalObject("before")
        let after = try fields.optionalObject("after")
        let op = try fields.enumeration("op", as: ChangeOp.self)
        let tsMs = try fields.int64("ts_ms")
        let source = try SourceInfo.decode(try fields.value("source"))
        // An insert, update or snapshot read without its row cannot be applied.
        if after == nil && (op == .create || op == .update || op == .read) {
            throw EnvelopeError(.wrongType(expected: "an object for op '\(op.rawValue)'"), field: "after")
        }
        return ChangeEnvelope(before: before, after: after, op: op, tsMs: tsMs, source: source)
    }
}
