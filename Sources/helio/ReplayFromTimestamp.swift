import Foundation
import HelioKafka
import Logging

/// Where `helio replay --from-timestamp T` puts each partition: at its first record at or
/// after T, but never past the position apply has stored (that would skip records apply has
/// not read yet: a replay re-reads, it never skips). A partition with no record at or after T
/// has nothing to replay and keeps its position.
struct ReplayFromTimestamp {
    /// The positions to store.
    var targets: [TopicPartition: Int64] = [:]
    /// Partitions with no record at or after the time: left as they are.
    var untouched: [TopicPartition] = []

    /// `progress` hears the partitions whose first record at or after the time has been read,
    /// of those that have one: the slow part, up to 10 s on a large cluster.
    init(timestampMs: Int64, partitions: [TopicPartition], stored: [TopicPartition: Int64],
         admin: KafkaProducer, consumerProperties: [String: String], logger: Logger,
         progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        var answers = try admin.offsets(at: timestampMs, for: partitions)
        for (partition, offset) in answers where offset >= 0 {
            if offset >= (try admin.watermarks(partition).high) { answers[partition] = -1 }
        }
        for (partition, first) in try Self.firstTimestamps(of: answers.filter { $0.value >= 0 }, properties: consumerProperties,
                                                            logger: logger, progress: progress)
        where first < timestampMs {
            answers[partition] = -1
        }
        for (partition, offset) in answers {
            if offset < 0 {
                untouched.append(partition)
            } else {
                targets[partition] = min(offset, stored[partition] ?? offset)
            }
        }
    }

    /// The timestamp of the record at each given offset (the first one at or after it).
    /// Kafka answers a search by time with no offset (-1) when a partition has no record at or
    /// after the time; some brokers (Tansu 0.6) answer an older record's offset instead, which
    /// reading that record tells apart. A partition that yields nothing within 10 s is left
    /// out: its answer is taken as it is.
    static func firstTimestamps(of offsets: [TopicPartition: Int64], properties: [String: String], logger: Logger,
                                progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [TopicPartition: Int64] {
        guard !offsets.isEmpty else { return [:] }
        let consumer = try KafkaConsumer(properties: properties, logger: logger)
        defer { consumer.close() }
        try consumer.assign(offsets)
        var found: [TopicPartition: Int64] = [:]
        let deadline = Date().addingTimeInterval(10)
        progress(0, offsets.count)
        while found.count < offsets.count && Date() < deadline {
            for record in try consumer.poll(maxRecords: 1000, timeoutMilliseconds: 200) where found[record.topicPartition] == nil {
                // No timestamp: nothing to compare, so the broker's answer stands.
                found[record.topicPartition] = record.timestampMs ?? .max
            }
            progress(found.count, offsets.count)
        }
        return found
    }
}
