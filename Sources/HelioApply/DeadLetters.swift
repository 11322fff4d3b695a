import HelioEvents
import HelioKafka

/// Sends poison records to `<prefix>.dlq` with their original bytes, and headers naming the
/// error and where the record came from. They are acknowledged before the batch's offsets
/// are committed, so a poison record is never lost with the batch that skipped it.
struct DeadLetters {
    let producer: KafkaProducer
    let topic: String
    private(set) var nextID: UInt64 = 0

    init(producer: KafkaProducer, topic: String) {
        self.producer = producer
        self.topic = topic
    }

    static let errorHeader = "helio.error"
    static let topicHeader = "helio.source.topic"
    static let partitionHeader = "helio.source.partition"
    static let offsetHeader = "helio.source.offset"

    mutating func send(_ records: [(KafkaRecord, String)]) throws {
        guard !records.isEmpty else { return }
        for (record, reason) in records {
            nextID += 1
            var headers = record.headers
            headers.append((Self.errorHeader, Array(reason.utf8)))
            headers.append((Self.topicHeader, Array(record.topic.utf8)))
            headers.append((Self.partitionHeader, Array(String(record.partition).utf8)))
            headers.append((Self.offsetHeader, Array(String(record.offset).utf8)))
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
