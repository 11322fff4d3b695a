import CRdKafka
import Logging

/// A consumer-group member that decides its own start offsets.
///
/// Kafka's committed offsets are advisory for Helio: on every assignment `startOffsets` is
/// asked where to begin (the applier answers from the warehouse), and the partitions are
/// assigned at exactly those offsets. Rebalances arrive as events on the consumer queue
/// (no C callbacks) and are handled inside `poll`, on the owner's thread.
public final class KafkaConsumer: @unchecked Sendable {
    let handle: OpaquePointer
    let queue: OpaquePointer
    let logger: Logger
    /// Where to start each newly assigned partition; nil means the beginning of the log.
    public var startOffsets: ([TopicPartition]) throws -> [TopicPartition: Int64] = { _ in [:] }
    /// Called before partitions are taken away, so work on them can be finished or dropped.
    public var onRevoke: ([TopicPartition]) -> Void = { _ in }
    public private(set) var assignment: Set<TopicPartition> = []
    /// Set when a rebalance happened during the last `poll`.
    public private(set) var assignmentChanged = false
    /// How many assignments the group has given this consumer (an empty one counts: the
    /// group completed a rebalance).
    public private(set) var assignmentsReceived = 0

    /// Helio's consumer settings, then `overrides` (the operator's `HELIO_KAFKA_PROPERTY_*`) on top.
    public static func defaults(brokers: String, groupID: String, overrides: [String: String] = [:]) -> [String: String] {
        base(brokers: brokers, groupID: groupID).merging(overrides) { $1 }
    }

    static func base(brokers: String, groupID: String) -> [String: String] {
        prefetch(libraryVersion: KafkaLibrary.versionNumber).merging([
            "bootstrap.servers": brokers,
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            "partition.assignment.strategy": "range,roundrobin",
            // How long the broker may hold a fetch that finds nothing new. Kafka answers it
            // as soon as data arrives, but not every broker does: the local stack's Tansu
            // answers only when the wait ends, so a record produced meanwhile waited for it
            // (a 50 ms wait gave a record 12 ms at the median and 24 ms at p90 from produce
            // to consumer, 10 ms gave 3 and 6; with 500 ms, 112 and 185). The price is an
            // empty fetch every 10 ms while idle (Tansu: 12 % of a core for apply's 25
            // partitions, 5 % at 50 ms); on Apache Kafka an operator may set it higher.
            "fetch.wait.max.ms": "10",
            // 256 KiB a partition per fetch, not 1 MiB: with a backlog, 1 MiB chunks of the
            // fact partitions filled apply's first batches while the dimension and
            // transaction topics waited behind them, so 160,000 facts waited for the
            // watermark (bench/apply); smaller chunks interleave the topics sooner.
            "max.partition.fetch.bytes": "262144",
            "socket.keepalive.enable": "true",
        ]) { $1 }
    }

    /// librdkafka prefetches up to 64 MiB by default, on top of the batch apply holds and the
    /// one it prepares: with a backlog that queue was a third of apply's peak RSS (~200 MB in
    /// bench/apply, 300,000 rows). 8 MiB still holds a batch ahead — if the fetcher refills it
    /// at once: when the queue is full librdkafka waits `fetch.queue.backoff.ms` (1 s by
    /// default) before fetching again, and a small queue then halves apply's throughput. That
    /// setting exists from librdkafka 2.2 on; with an older library the default queue stays.
    /// (docs/benchmarks.md: 130 MB at the same events/s.)
    public static func prefetch(libraryVersion: Int32) -> [String: String] {
        guard libraryVersion >= 0x0202_0000 else { return [:] }
        return ["queued.max.messages.kbytes": "8192", "fetch.queue.backoff.ms": "5"]
    }

    public init(properties: [String: String], logger: Logger) throws(KafkaError) {
        let events = RD_KAFKA_EVENT_FETCH | RD_KAFKA_EVENT_REBALANCE | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_OFFSET_COMMIT
        let conf = try RDKafkaConfig.make(properties, events: Int32(events))
        handle = try RDKafkaConfig.client(type: RD_KAFKA_CONSUMER, conf: conf)
        rd_kafka_poll_set_consumer(handle)
        queue = rd_kafka_queue_get_consumer(handle)
        self.logger = logger
    }

    deinit {
        rd_kafka_queue_destroy(queue)
        rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
    }

    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, helio_rd_kafka_partition_ua) }
        let code = rd_kafka_subscribe(handle, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw RDKafkaConfig.error(code) }
    }

    /// Assigns partitions directly at the given offsets, without a group (rebuild, replay, tools).
    public func assign(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        let list = Self.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_assign(handle, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw RDKafkaConfig.error(code) }
        assignment = Set(offsets.keys)
    }

    /// Returns up to `maxRecords` records, waiting at most `timeoutMilliseconds` for the first
    /// and then taking only what is already buffered.
    public func poll(maxRecords: Int, timeoutMilliseconds: Int32) throws -> [KafkaRecord] {
        assignmentChanged = false
        var records: [KafkaRecord] = []
        var timeout = timeoutMilliseconds
        while records.count < maxRecords, let event = rd_kafka_queue_poll(queue, timeout) {
            defer { rd_kafka_event_destroy(event) }
            switch rd_kafka_event_type(event) {
            case Int32(RD_KAFKA_EVENT_FETCH):
                while let message = rd_kafka_event_message_next(event) {
                    if let record = try Self.record(message) { records.append(record) }
                }
                timeout = 0
            case Int32(RD_KAFKA_EVENT_REBALANCE):
                try rebalance(event)
                // A new assignment invalidates what this call gathered for revoked partitions.
                records.removeAll { !assignment.contains($0.topicPartition) }
            case Int32(RD_KAFKA_EVENT_ERROR):
                let error = RDKafkaConfig.eventError(event)
                if error.isFatal { throw error }
                logger.warning("kafka consumer: \(error.message)", metadata: ["error.code": "\(error.code)"])
            default:
                break
            }
        }
        return records
    }

    /// The partition's end as the last fetch response reported it (cached by librdkafka, no
    /// request); nil before any fetch. Some brokers report less than the true end: callers
    /// combine it with the offsets they have seen.
    public func cachedHighWatermark(_ partition: TopicPartition) -> Int64? {
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        return code == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
    }

    /// Commits offsets to Kafka, asynchronously (advisory: lag tooling and KEDA's Kafka scaler
    /// read them; Helio restarts from the warehouse).
    public func commitAdvisory(_ offsets: [TopicPartition: Int64]) {
        guard !offsets.isEmpty else { return }
        let list = Self.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_commit(handle, list, 1)
    }

    /// What the group last committed to Kafka for `partitions` (next offsets; a partition it
    /// never committed is absent): what lag tooling and KEDA's Kafka scaler read. Asks the
    /// group's coordinator; needs no assignment, and does not join the group.
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 5_000) throws(KafkaError) -> [TopicPartition: Int64] {
        // -1001 is RD_KAFKA_OFFSET_INVALID: "unknown", to be filled in.
        let list = Self.makeList(Dictionary(partitions.map { ($0, Int64(-1001)) }) { first, _ in first })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_committed(handle, list, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw RDKafkaConfig.error(code) }
        var committed: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
            committed[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        return committed
    }

    /// Leaves the group promptly so the partitions move to the other members.
    public func close() {
        _ = rd_kafka_consumer_close(handle)
    }

    private func rebalance(_ event: OpaquePointer) throws {
        guard let list = rd_kafka_event_topic_partition_list(event) else { return }
        let partitions = Self.partitions(of: list)
        assignmentChanged = true
        switch rd_kafka_event_error(event) {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let offsets = try startOffsets(partitions)
            let assigned = Dictionary(uniqueKeysWithValues: partitions.map { ($0, offsets[$0] ?? helio_rd_kafka_offset_beginning) })
            let target = Self.makeList(assigned)
            defer { rd_kafka_topic_partition_list_destroy(target) }
            let code = rd_kafka_assign(handle, target)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw RDKafkaConfig.error(code) }
            assignment = Set(partitions)
            assignmentsReceived += 1
            logger.info("partitions assigned", metadata: ["partitions": "\(assigned.map { "\($0.key)@\($0.value)" }.sorted())"])
        default:
            onRevoke(partitions)
            _ = rd_kafka_assign(handle, nil)
            assignment = []
            logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
        }
    }

    static func makeList(_ offsets: [TopicPartition: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (partition, offset) in offsets {
            let entry = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
            entry?.pointee.offset = offset
        }
        return list
    }

    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        let count = Int(list.pointee.cnt)
        return (0..<count).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }

    static func record(_ message: UnsafePointer<rd_kafka_message_t>) throws -> KafkaRecord? {
        let raw = message.pointee
        if raw.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        if raw.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Offsets gone (retention, a broker that lost its data): never skip silently.
            throw RDKafkaConfig.error(raw.err)
        }
        let topic = String(cString: rd_kafka_topic_name(raw.rkt))
        let key = raw.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        let value = raw.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: raw.len)) }
        var headers: [(name: String, value: [UInt8])] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = valuePointer.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append((String(cString: name!), bytes))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaRecord(topic: topic, partition: raw.partition, offset: raw.offset, key: key, value: value,
                           headers: headers, timestampMs: timestamp >= 0 ? timestamp : nil)
    }
}
