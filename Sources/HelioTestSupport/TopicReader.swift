import HelioKafka
import Logging

/// Reads whole topics from the beginning, without a consumer group, for assertions.
public struct TopicReader {
    let brokers: String
    let logger: Logger

    public init(brokers: String, logger: Logger = Logger(label: "test.topics")) {
        self.brokers = brokers
        self.logger = logger
    }

    /// Every record of `topics` now present, waiting until at least `minimum` arrived (or
    /// `seconds` passed). Partition ends are not trusted: some brokers report them loosely.
    public func read(_ topics: [String], minimum: Int, within seconds: Double = 60) throws -> [KafkaRecord] {
        let admin = try KafkaProducer(properties: ["bootstrap.servers": brokers], logger: logger)
        let partitions = try admin.topics()
        var offsets: [TopicPartition: Int64] = [:]
        for topic in topics {
            for partition in 0..<Int32(partitions[topic] ?? 0) { offsets[TopicPartition(topic: topic, partition: partition)] = 0 }
        }
        let consumer = try KafkaConsumer(properties: [
            "bootstrap.servers": brokers, "group.id": "helio-test-reader", "enable.auto.commit": "false",
            "fetch.wait.max.ms": "50",
        ], logger: logger)
        defer { consumer.close() }
        try consumer.assign(offsets)
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var quietPolls = 0
        while ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxRecords: 10_000, timeoutMilliseconds: 200)
            records += batch
            quietPolls = batch.isEmpty ? quietPolls + 1 : 0
            // Enough arrived and nothing more for a while: done.
            if records.count >= minimum && quietPolls >= 5 { break }
        }
        return records
    }
}
