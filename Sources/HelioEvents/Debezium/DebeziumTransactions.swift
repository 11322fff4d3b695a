/// Debezium's bookkeeping that shows in its records: snapshot markers, the order of END's
/// `data_collections`, the ids of transaction events, the records' headers.
public enum DebeziumSnapshotMarker {
    /// `source.snapshot` of a row of the initial snapshot (Debezium's
    /// `SnapshotMarkerResolver`): `last` for the snapshot's last row, `first` for the first
    /// row of its first table, then `last_in_data_collection` and `first_in_data_collection`
    /// for a table's last and first rows, `true` for the rest. "First table" is the first
    /// table snapshotted, even when it is empty (then no row is `first`); the last row
    /// published is always `last`, whichever table it comes from.
    public static func marker(firstTable: Bool, firstInTable: Bool, lastInTable: Bool, lastOfSnapshot: Bool) -> String {
        if lastOfSnapshot { return "last" }
        if firstTable && firstInTable { return "first" }
        if lastInTable { return "last_in_data_collection" }
        if firstInTable { return "first_in_data_collection" }
        return "true"
    }
}

/// The iteration order of a `java.util.HashMap<String, Long>`, which is the order of END's
/// `data_collections` (Debezium's `TransactionContext` counts per table in one).
///
/// Entries are iterated by bucket (`(h ^ h >>> 16) & (capacity - 1)`, `h` being Java's
/// `String.hashCode`), in insertion order within a bucket. The table starts at 16 buckets and
/// doubles when it holds more than 3/4 of its capacity; `clear()` keeps the capacity, and
/// Debezium clears the same map at every transaction, so the capacity is the largest a
/// transaction needed since the connector started.
public struct JavaHashMapOrder: Sendable {
    public private(set) var capacity = 16

    public init() {}

    /// Java's `String.hashCode` over UTF-16 code units.
    public static func hashCode(_ text: String) -> Int32 {
        var hash: Int32 = 0
        for unit in text.utf16 { hash = hash &* 31 &+ Int32(unit) }
        return hash
    }

    static func spread(_ hash: Int32) -> UInt32 {
        let h = UInt32(bitPattern: hash)
        return h ^ (h >> 16)
    }

    /// The keys (in insertion order) in the order the map iterates them; grows the capacity
    /// as putting them would.
    public mutating func order(_ keys: [String]) -> [Int] {
        while keys.count > capacity * 3 / 4 { capacity *= 2 }
        let mask = UInt32(capacity - 1)
        return keys.indices.sorted { a, b in
            let bucketA = Self.spread(Self.hashCode(keys[a])) & mask
            let bucketB = Self.spread(Self.hashCode(keys[b])) & mask
            return bucketA != bucketB ? bucketA < bucketB : a < b
        }
    }
}

/// The headers Debezium 3.x puts on records.
public enum DebeziumHeaders {
    /// `__debezium.context.*` on every table-topic record (not on transaction or message
    /// records), as `JsonConverter` with schemas writes header values.
    public static func context(logicalName: String, runID: String) -> [(name: String, value: [UInt8])] {
        [("__debezium.context.connectorLogicalName", stringHeader(logicalName)),
         ("__debezium.context.taskId", stringHeader("0")),
         ("__debezium.context.connectorName", stringHeader("postgresql")),
         ("__debezium.context.runId", stringHeader(runID))]
    }

    public static func stringHeader(_ value: String) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.appendASCII("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":")
        buffer.appendJSONString(value)
        buffer.append(UInt8(ascii: "}"))
        return buffer
    }

    /// `__debezium.newkey` (on a key change's delete and tombstone) or `__debezium.oldkey`
    /// (on its create): the other key with its Kafka Connect schema.
    public static func key(_ key: [UInt8], schema: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.appendASCII("{\"schema\":")
        buffer.append(contentsOf: schema)
        buffer.appendASCII(",\"payload\":")
        buffer.append(contentsOf: key)
        buffer.append(UInt8(ascii: "}"))
        return buffer
    }

    /// A time-ordered UUID (version 7) for `__debezium.context.runId`, from a Unix time in
    /// ms and 74 random bits.
    public static func runID(unixMillis: Int64, random: (UInt64, UInt64)) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: unixMillis >> (8 * (5 - index))) }
        for index in 6..<16 { bytes[index] = UInt8(truncatingIfNeeded: (index < 11 ? random.0 : random.1) >> (8 * (index % 8))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
