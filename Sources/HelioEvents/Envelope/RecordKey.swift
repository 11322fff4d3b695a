/// The key of a table-topic record: the row's primary key as JSON, e.g. `{"id":42}`.
///
/// Kafka partitions by these bytes, so every change of one row lands on one partition in
/// commit order; the encoding must therefore be deterministic (columns in key order, no
/// whitespace) or two encodings of the same key would split a row across partitions.
public struct RecordKey: Sendable, Equatable {
    public var columns: JSONObject

    public init(columns: JSONObject) {
        self.columns = columns
    }

    /// Key columns in the order of the table's primary key.
    public init(_ columns: [(String, JSONValue)]) {
        self.columns = JSONObject(columns)
    }

    /// `{"id":<id>}`: every source table in the contract is keyed by a bigint `id`.
    public static func id(_ id: Int64) -> RecordKey {
        RecordKey([("id", .integer(id))])
    }

    public subscript(column: String) -> JSONValue? {
        columns[column]
    }

    /// The `id` column as an integer, when there is one.
    public var id: Int64? {
        columns["id"]?.int64Value
    }

    public func encode(into buffer: inout [UInt8]) {
        columns.write(into: &buffer)
    }

    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }

    /// Decodes a key: a JSON object with at least one column (a key with its Kafka Connect
    /// schema, `{"schema":…,"payload":{…}}`, by its payload). Tombstones and truncate events
    /// have a null key, which Kafka carries as no bytes; the caller checks that first.
    public static func decode(_ bytes: some Collection<UInt8>) throws(EnvelopeError) -> RecordKey {
        guard let object = ConnectRecord.payload(of: try parseRecord(bytes)).objectValue else {
            throw EnvelopeError(.wrongType(expected: "an object"), field: "")
        }
        guard !object.isEmpty else { throw EnvelopeError(.invalidValue, field: "") }
        return RecordKey(columns: object)
    }
}
