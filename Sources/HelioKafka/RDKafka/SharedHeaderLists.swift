import CRdKafka

/// One librdkafka header list per ``SharedHeaders`` set, given to every record of the set.
///
/// After `rd_kafka_producev` librdkafka only reads a record's headers (it writes them into
/// each produce request, again on a retry) and frees them with the record. So all records of
/// a set can carry the same list, as long as each delivery report has the list detached
/// before librdkafka frees the record (`KafkaProducer` does, by the tag in the record's
/// opaque) and the lists outlive every record that carries them (`KafkaProducer.deinit`
/// drains the deliveries first).
///
/// A list per record, taken back from its delivery report (the pool this replaced), kept one
/// list per record in flight: up to librdkafka's 200,000, 65 MB of the debezium form's peak
/// RSS in a streamed 1,000,000-row transaction, and a cold list per record on both
/// threads (docs/benchmarks.md). Not thread-safe: the producer's owner thread uses it.
struct SharedHeaderLists {
    /// The opaque's bits above the delivery id: the set's tag (0: a list of the record's own,
    /// freed with it).
    static let tagShift: UInt64 = 56
    static let idMask: UInt64 = (1 << tagShift) - 1
    static let maxSets = 255

    private var tags: [ObjectIdentifier: UInt64] = [:]
    /// The sets seen, by tag - 1 (kept alive, so an identifier is never reused for another set).
    private var sets: [SharedHeaders] = []
    private var lists: [OpaquePointer] = []
    private var lastSet: ObjectIdentifier?
    private var lastTag: UInt64 = 0

    /// Number of shared lists made.
    var count: Int { lists.count }

    /// The header list for `shared`, and the tag its records' delivery reports carry. Past
    /// `maxSets` sets, a new list of the record's own (tag 0).
    mutating func list(for shared: SharedHeaders) -> (list: OpaquePointer, tag: UInt64) {
        let id = ObjectIdentifier(shared)
        if id == lastSet { return (lists[Int(lastTag - 1)], lastTag) }
        if let tag = tags[id] {
            (lastSet, lastTag) = (id, tag)
            return (lists[Int(tag - 1)], tag)
        }
        guard sets.count < Self.maxSets else { return (Self.make(shared.headers), 0) }
        sets.append(shared)
        lists.append(Self.make(shared.headers))
        let tag = UInt64(sets.count)
        tags[id] = tag
        (lastSet, lastTag) = (id, tag)
        return (lists[Int(tag - 1)], tag)
    }

    /// Frees the shared lists (the producer's deinit): only once no record carries one.
    func destroyAll() {
        lists.forEach { rd_kafka_headers_destroy($0) }
    }

    /// A new header list; `rd_kafka_header_add` copies names and values.
    static func make(_ headers: [(name: String, value: [UInt8])]) -> OpaquePointer {
        let list = rd_kafka_headers_new(headers.count)!
        for header in headers {
            header.value.withUnsafeBytes { _ = rd_kafka_header_add(list, header.name, -1, $0.baseAddress, $0.count) }
        }
        return list
    }
}
