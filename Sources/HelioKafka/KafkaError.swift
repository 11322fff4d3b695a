/// An error from librdkafka or the broker, safe to log (no SASL passwords).
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// librdkafka's `rd_kafka_resp_err_t` value.
    public var code: Int32
    public var message: String
    /// librdkafka says the operation may succeed if tried again.
    public var isRetriable: Bool
    /// The client instance can no longer be used (idempotence violated, fenced).
    public var isFatal: Bool
    /// librdkafka refused the client's properties (an unknown name, a bad value, a CA file it
    /// cannot load) or the broker a topic's settings: the configuration is wrong and a restart
    /// cannot help (exit 64). The message says what to correct.
    public var isConfiguration: Bool

    public init(code: Int32, message: String, isRetriable: Bool = false, isFatal: Bool = false, isConfiguration: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.isConfiguration = isConfiguration
    }

    public var description: String {
        guard !isConfiguration else { return "configuration: Kafka: \(message)" }
        return "Kafka error \(code)\(isFatal ? " (fatal)" : ""): \(message)"
    }
}

public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }

    /// Parses `description` back (`topic[3]`).
    public init?(_ text: String) {
        guard text.hasSuffix("]"), let open = text.lastIndex(of: "["),
              let partition = Int32(text[text.index(after: open)..<text.index(before: text.endIndex)]) else { return nil }
        self.init(topic: String(text[..<open]), partition: partition)
    }
}

/// One record read from Kafka, copied out of librdkafka's buffers.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// `nil` for a tombstone.
    public var value: [UInt8]?
    public var headers: [(name: String, value: [UInt8])]
    /// Milliseconds since the epoch (create or log-append time), when known.
    public var timestampMs: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
                headers: [(name: String, value: [UInt8])] = [], timestampMs: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// One record to send. `value == nil` is a tombstone; `key == nil` lets the partitioner choose.
public struct OutgoingRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [(name: String, value: [UInt8])]
    /// Headers shared with other records, sent after `headers` (usually instead of them).
    public var shared: SharedHeaders?
    /// A fixed partition, or nil for the key's partition.
    public var partition: Int32?

    public init(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(name: String, value: [UInt8])] = [],
                shared: SharedHeaders? = nil, partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.shared = shared
        self.partition = partition
    }
}
