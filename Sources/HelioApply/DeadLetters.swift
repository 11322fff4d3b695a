import HelioEvents
import HelioKafka

/// Sends poison records to the dead-letter topic (`dlq.topic`, default `<prefix>.dlq`) with
/// their original bytes and headers, and headers naming the error and where the record came
/// from: Helio's `helio.*`, and (with `dlq.context_headers`, the default) Kafka Connect's
/// `__connect.errors.*`, so tools written for Connect's dead-letter queues read them too.
/// They are acknowledged before the batch's offsets are committed, so a poison record is
/// never lost with the batch that skipped it.
struct DeadLetters {
    let producer: KafkaProducer
    let topic: String
    /// Kafka Connect's context headers, or nil for Helio's own only.
    let connect: ConnectErrorHeaders?
    private(set) var nextID: UInt64 = 0

    init(producer: KafkaProducer, topic: String, connect: ConnectErrorHeaders?) {
        self.producer = producer
        self.topic = topic
        self.connect = connect
    }

    static let errorHeader = "helio.error"
    static let topicHeader = "helio.source.topic"
    static let partitionHeader = "helio.source.partition"
    static let offsetHeader = "helio.source.offset"

    /// The record's own headers, then Helio's, then Connect's (Connect also keeps the
    /// original headers and adds its own after them).
    static func headers(_ record: KafkaRecord, reason: String, connect: ConnectErrorHeaders?) -> [(name: String, value: [UInt8])] {
        var headers = record.headers
        headers.append((errorHeader, Array(reason.utf8)))
        headers.append((topicHeader, Array(record.topic.utf8)))
        headers.append((partitionHeader, Array(String(record.partition).utf8)))
        headers.append((offsetHeader, Array(String(record.offset).utf8)))
        if let connect { headers += connect.headers(record, reason: reason) }
        return headers
    }

    mutating func send(_ records: [(KafkaRecord, String)]) throws {
        guard !records.isEmpty else { return }
        for (record, reason) in records {
            nextID += 1
            let headers = Self.headers(record, reason: reason, connect: connect)
            try producer.send(OutgoingRecord(topic: topic, key: record.key, value: record.value, headers: headers), id: nextID)
        }
        guard producer.flush(timeoutMilliseconds: 60_000) else {
            throw KafkaError(code: -1, message: "dead-letter records were not acknowledged within 60 s", isRetriable: true)
        }
        if let failed = producer.poll(timeoutMilliseconds: 0).first(where: { $0.error != nil }), let error = failed.error {
            throw error
        }
    }
}

/// Kafka Connect's dead-letter context headers, with the names and encodings of Connect's
/// `DeadLetterQueueReporter.populateContextHeaders` (kafka 4.3): every value UTF-8 text,
/// numbers in decimal. What Helio puts in them:
/// - `connector.name`: apply's consumer group (`apply.group_id`), the name apply goes by;
/// - `task.id`: `0` (apply is one task);
/// - `stage`: `VALUE_CONVERTER`: apply refuses a record while turning its bytes into a change
///   (decoding and checking it), before anything of it is written, as Connect's converter stage;
/// - `class.name`, `exception.class.name`: Helio's decoder and its error type;
/// - `exception.message`: the reason, as in `helio.error`;
/// - `exception.stacktrace`: not written (Swift has no stack trace to give; Connect leaves it
///   out too when it has none).
struct ConnectErrorHeaders: Sendable {
    var connectorName: String
    var taskID = 0

    static let prefix = "__connect.errors."
    static let stage = "VALUE_CONVERTER"
    static let executingClass = String(reflecting: RecordDecoder.self)
    static let exceptionClass = String(reflecting: PoisonRecord.self)

    func headers(_ record: KafkaRecord, reason: String) -> [(name: String, value: [UInt8])] {
        [
            ("topic", record.topic),
            ("partition", String(record.partition)),
            ("offset", String(record.offset)),
            ("connector.name", connectorName),
            ("task.id", String(taskID)),
            ("stage", Self.stage),
            ("class.name", Self.executingClass),
            ("exception.class.name", Self.exceptionClass),
            ("exception.message", reason),
        ].map { (Self.prefix + $0.0, Array($0.1.utf8)) }
    }
}
