import Foundation
import HelioEvents
import HelioKafka
import Logging

/// Which keys of one table Kafka shows live, and which of them the source has vouched for
/// since: what a resync needs to find the rows that disappeared while the slot was gone.
///
/// After a source failover the new primary's history differs from what capture published: rows
/// published from the old primary that never reached the standby, and rows deleted on the old
/// primary after the last confirmed position, are not in the new primary. Their last record in
/// Kafka says they are live, and a snapshot only re-reads rows that exist, so nothing would ever
/// delete them downstream. The census takes the table topic's last record per key (live after
/// `c`/`u`/`r`, gone after `d` or a tombstone); from then on every key the stream changes or a
/// snapshot chunk reads is *touched* (the source has spoken for it). When the table's snapshot
/// is complete, a key still live and never touched is not in the source: it is published as a
/// delete. Pure: KeyCensusTests.
struct KeyCensus: Sendable, Equatable {
    /// Keys Kafka shows live that the source has not shown since (touching one removes it, so
    /// the census shrinks as the table is re-read instead of holding a second set).
    private(set) var live: Set<String> = []

    /// One record of the table topic, in log order for its key (a key's records share a partition).
    mutating func read(key: [UInt8]?, value: [UInt8]?) {
        // A truncate (null key) is not applied: it sits on one partition, and the others are read
        // before or after it, so clearing the census there could forget a phantom written after
        // the truncate. Rows it removed stay live here and get a delete again, which changes
        // nothing downstream (a consumer deletes a row it no longer has).
        guard let keyText = key.flatMap(Self.keyText) else { return }
        guard let value else {
            live.remove(keyText)
            return
        }
        // Only what capture could have written counts: a record without `source` is not a change
        // event of the table (a poison record someone produced), and a delete for its key would
        // be poison too.
        // (outlined, not parsed: the census reads every record of the topic)
        guard let event = ChangeOutline.scan(value), event.hasSource else { return }
        switch event.op {
        case "d":
            live.remove(keyText)
        case "c", "u", "r":
            // An update that moved the row to this key leaves its old key behind.
            if event.op == "u", let range = event.before,
               let old = Self.beforeKey(value[range], keyField: Self.keyField(key)), old != keyText { live.remove(old) }
            live.insert(keyText)
        default:
            break
        }
    }

    /// The source showed this key's state (a streamed change or a chunk read): not a candidate.
    /// Read the whole topic first: a key touched and then read again would count as live.
    mutating func touch(_ key: String) { live.remove(key) }

    /// Keys Kafka shows live that the source never showed since the census was taken.
    var gone: [String] { live.sorted() }

    // MARK: Reading records (both record forms: Helio's, and Debezium's with schema and payload)

    /// The key's single value as PostgreSQL's text form gives it (`{"id":42}` → `42`).
    static func keyText(_ key: [UInt8]) -> String? {
        guard let object = payloadObject(key), object.count == 1 else { return nil }
        return text(object.fields[0].value)
    }

    static func keyField(_ key: [UInt8]?) -> String? {
        key.flatMap(payloadObject).flatMap { $0.count == 1 ? $0.fields[0].key : nil }
    }

    /// Key types whose value reads the same in a record key (both forms) as in PostgreSQL's text
    /// output: integers, text, varchar, uuid. Others (a timestamp written in ISO-8601 with an
    /// offset, Debezium's base64 numeric) would never match a chunk's key, and every row would
    /// look gone.
    static func comparable(typeOID: UInt32) -> Bool {
        [20, 21, 23, 25, 1043, 2950].contains(typeOID)
    }

    /// Whether `key` can be a value of a key column of type `typeOID`: an integer column's key
    /// must read as an integer (a census holds only what was in the topic, whoever wrote it).
    static func fits(_ key: String, typeOID: UInt32) -> Bool {
        [20, 21, 23].contains(typeOID) ? Int64(key) != nil : true
    }

    /// The key field's value in a `before` image (its bytes).
    static func beforeKey(_ before: ArraySlice<UInt8>, keyField: String?) -> String? {
        guard let keyField, let image = (try? JSONValue.parse(before))?.objectValue, let field = image[keyField] else { return nil }
        return text(field)
    }

    static func payloadObject(_ bytes: [UInt8]) -> JSONObject? {
        guard let object = (try? JSONValue.parse(bytes))?.objectValue else { return nil }
        if let payload = object["payload"]?.objectValue, object["schema"] != nil { return payload }
        return object
    }

    private static func text(_ value: JSONValue) -> String? {
        value.stringValue ?? value.numberText
    }
}

extension KeyCensus {
    /// Reads `topic` from its first record to its end as of `point` (Unix ms): capture drained
    /// its producer just before, so every record it published until then is in the log. The end
    /// is the partitions' high watermarks and then a second without a record made before `point`:
    /// some brokers (Tansu) report the high watermark late, and a record missed here is a phantom
    /// row never deleted. Records made after `point` (the stream goes on while this runs, on its
    /// own thread) do not hold the end back; they are changes the stream touches anyway. Throws
    /// when the log cannot be read: deciding deletes on half a census would delete live rows.
    static func read(topic: String, admin: KafkaProducer, consumerProperties: [String: String], logger: Logger, point: Int64,
                     quietSeconds: Double = 1, stallSeconds: Double = 120) throws -> KeyCensus {
        var census = KeyCensus()
        let partitions = try admin.topics()[topic] ?? 0
        guard partitions > 0 else { return census }
        var ends: [TopicPartition: Int64] = [:]
        var position: [TopicPartition: Int64] = [:]
        for index in 0..<partitions {
            let partition = TopicPartition(topic: topic, partition: Int32(index))
            let marks = try admin.watermarks(partition)
            position[partition] = marks.low
            ends[partition] = marks.high
        }
        let reader = try KafkaConsumer(properties: consumerProperties, logger: logger)
        defer { reader.close() }
        try reader.assign(position)
        var lastRecord = ContinuousClock.now
        var lastEarlier = ContinuousClock.now
        var reachedEnds: ContinuousClock.Instant?
        while true {
            if reachedEnds == nil, !ends.contains(where: { position[$0.key, default: 0] < $0.value }) { reachedEnds = .now }
            if let reachedEnds {
                // Done after a quiet second — or, should timestamps be missing and a busy stream
                // never let it be quiet, ten seconds past the watermarks.
                if ContinuousClock.now - lastEarlier >= .seconds(quietSeconds) || ContinuousClock.now - reachedEnds >= .seconds(quietSeconds * 10) { break }
            }
            // However large the topic, it must keep coming: a broker that stops answering fails
            // the resync (capture restarts and begins it again) rather than deleting on half a census.
            guard ContinuousClock.now - lastRecord < .seconds(stallSeconds) else {
                throw CaptureError.deliveryFailed("the resync read no record of \(topic) for \(Int(stallSeconds)) s before reaching its end")
            }
            for record in try reader.poll(maxRecords: 10_000, timeoutMilliseconds: 100) {
                let partition = record.topicPartition
                guard record.offset >= position[partition, default: 0] else { continue }
                census.read(key: record.key, value: record.value)
                position[partition] = record.offset + 1
                lastRecord = .now
                if (record.timestampMs ?? 0) <= point { lastEarlier = .now }
            }
        }
        return census
    }
}

/// A census read on its own thread, so that capture streams on meanwhile.
final class CensusRead: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<KeyCensus, any Error>?

    init(_ read: @escaping @Sendable () throws -> KeyCensus) {
        let thread = Thread { [self] in
            let result = Result { try read() }
            lock.withLock { outcome = result }
        }
        thread.name = "helio-resync-census"
        thread.start()
    }

    /// Nil while the topic is being read.
    var result: Result<KeyCensus, any Error>? { lock.withLock { outcome } }
}
