// JSON for transaction events:
// BEGIN `{"status":"BEGIN","id":"571:53195832","ts_ms":…,"event_count":null,"data_collections":null}`
// END   `{"status":"END","id":"571:53195832","ts_ms":…,"event_count":2,
//         "data_collections":[{"data_collection":"public.energy","event_count":2}]}`

extension TransactionEvent {
    public func encode(into buffer: inout [UInt8]) {
        buffer.appendASCII("{\"status\":\"")
        buffer.append(contentsOf: status.rawValue.utf8)
        buffer.appendASCII("\",\"id\":")
        buffer.appendJSONString(id)
        buffer.appendASCII(",\"ts_ms\":")
        buffer.appendDecimal(tsMs)
        buffer.appendASCII(",\"event_count\":")
        if let eventCount {
            buffer.appendDecimal(Int64(eventCount))
        } else {
            buffer.appendASCII("null")
        }
        buffer.appendASCII(",\"data_collections\":")
        if status == .begin {
            buffer.appendASCII("null")
        } else {
            buffer.append(UInt8(ascii: "["))
            for (index, entry) in dataCollections.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.appendASCII("{\"data_collection\":")
                buffer.appendJSONString(entry.collection)
                buffer.appendASCII(",\"event_count\":")
                buffer.appendDecimal(Int64(entry.eventCount))
                buffer.append(UInt8(ascii: "}"))
            }
            buffer.append(UInt8(ascii: "]"))
        }
        buffer.append(UInt8(ascii: "}"))
    }

    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }

    /// Decodes and validates: END must carry `event_count` and `data_collections`; BEGIN
    /// may have them null or absent. A record with its Kafka Connect schema (Debezium's form
    /// with `capture.debezium_schemas`) is read by its payload.
    public static func decode(_ bytes: some Collection<UInt8>) throws(EnvelopeError) -> TransactionEvent {
        try decode(ConnectRecord.payload(of: parseRecord(bytes)))
    }

    public static func decode(_ value: JSONValue) throws(EnvelopeError) -> TransactionEvent {
        let fields = try FieldReader(value, path: "")
        let status = try fields.enumeration("status", as: Status.self)
        let id = try fields.string("id")
        guard splitID(id) != nil else { throw EnvelopeError(.invalidValue, field: "id") }
        let tsMs = try fields.int64("ts_ms")
        guard status == .end else {
            return TransactionEvent(status: .begin, id: id, eventCount: nil, dataCollections: [], tsMs: tsMs)
        }
        let eventCount = try count(fields, "event_count")
        guard let entries = try fields.value("data_collections").arrayValue else {
            throw fields.wrongType("data_collections", "an array")
        }
        var collections: [DataCollection] = []
        collections.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let entryFields = try FieldReader(entry, path: "data_collections[\(index)]")
            collections.append(DataCollection(
                collection: try entryFields.string("data_collection"),
                eventCount: try count(entryFields, "event_count")
            ))
        }
        return TransactionEvent(status: .end, id: id, eventCount: eventCount, dataCollections: collections, tsMs: tsMs)
    }

    private static func count(_ fields: FieldReader, _ key: String) throws(EnvelopeError) -> Int {
        guard let count = try fields.value(key).intValue, count >= 0 else {
            throw fields.wrongType(key, "a non-negative integer")
        }
        return count
    }
}
