import CRdKafka

/// librdkafka header lists for ``SharedHeaders``, used again instead of made per record.
///
/// A list goes out with a record (librdkafka owns it while the record is in flight) and comes
/// back detached from the record's delivery report (`rd_kafka_message_detach_headers`), so
/// it is not freed with the message. Which set a list belongs to travels in the top bits of
/// the record's opaque, beside its delivery id. Not thread-safe: the producer's owner thread
/// uses it. A list is only ever in the pool or in flight, so the pool never holds more lists
/// than were in flight at once; beyond `maxPooled` per set they are freed.
struct HeaderListPool {
    /// The opaque's bits above the delivery id: the set's tag (0: a list of its own, freed on delivery).
    static let tagShift: UInt64 = 56
    static let idMask: UInt64 = (1 << tagShift) - 1
    static let maxSets = 255
    static let maxPooled = 65_536

    private var tags: [ObjectIdentifier: UInt64] = [:]
    /// The sets seen, by tag - 1 (kept alive, so an identifier is never reused for another set).
    private var sets: [SharedHeaders] = []
    private var free: [[OpaquePointer]] = []
    private var lastSet: ObjectIdentifier?
    private var lastTag: UInt64 = 0

    /// A header list holding `shared`'s headers, and the tag its delivery report will carry.
    mutating func take(_ shared: SharedHeaders) -> (list: OpaquePointer, tag: UInt64) {
        let tag = tag(for: shared)
        if tag != 0, let list = free[Int(tag - 1)].popLast() {
            // The next list out is cold: fetched now, it is in the cache by the next record.
            if let next = free[Int(tag - 1)].last { helio_prefetch_header_list(UnsafeRawPointer(next)) }
            return (list, tag)
        }
        return (Self.make(shared.headers), tag)
    }

    /// Takes back the list of a delivered (or not accepted) record.
    mutating func giveBack(_ list: OpaquePointer, tag: UInt64) {
        guard tag != 0, Int(tag) <= free.count, free[Int(tag - 1)].count < Self.maxPooled else {
            rd_kafka_headers_destroy(list)
            return
        }
        free[Int(tag - 1)].append(list)
    }

    /// Frees every pooled list (the producer's deinit).
    mutating func destroyAll() {
        for lists in free { lists.forEach { rd_kafka_headers_destroy($0) } }
        free = free.map { _ in [] }
    }

    /// A new header list; `rd_kafka_header_add` copies names and values.
    static func make(_ headers: [(name: String, value: [UInt8])]) -> OpaquePointer {
        let list = rd_kafka_headers_new(headers.count)!
        for header in headers {
            header.value.withUnsafeBytes { _ = rd_kafka_header_add(list, header.name, -1, $0.baseAddress, $0.count) }
        }
        return list
    }

    private mutating func tag(for shared: SharedHeaders) -> UInt64 {
        let id = ObjectIdentifier(shared)
        if id == lastSet { return lastTag }
        var tag = tags[id] ?? 0
        if tag == 0 && sets.count < Self.maxSets {
            sets.append(shared)
            free.append([])
            tag = UInt64(sets.count)
            tags[id] = tag
        }
        lastSet = id
        lastTag = tag
        return tag
    }
}
