import CRdKafka
import Glibc
import Logging
import Metrics

/// What became of one produced record.
public struct DeliveryReport: Sendable {
    /// The id the caller gave `send`.
    public var id: UInt64
    /// nil when the broker acknowledged the record.
    public var error: KafkaError?
    public var partition: Int32
    public var offset: Int64
}

/// An idempotent producer (acks=all) that reports every delivery by id.
///
/// Not thread-safe: one owner thread calls `send`, `poll` and `flush`. Deliveries come from
/// librdkafka's event queue (no C callbacks); ids travel as the message opaque, so no Swift
/// object is retained per record.
public final class KafkaProducer: @unchecked Sendable {
    let handle: OpaquePointer
    let queue: OpaquePointer
    let logger: Logger
    private var pendingReports: [DeliveryReport] = []
    private var headerLists = SharedHeaderLists()
    private var topics = TopicHandles()

    /// Helio's producer settings, then `overrides` (the operator's `HELIO_KAFKA_PROPERTY_*`) on top.
    public static func defaults(brokers: String, overrides: [String: String] = [:]) -> [String: String] {
        base(brokers: brokers).merging(overrides) { $1 }
    }

    static func base(brokers: String) -> [String: String] {
        [
            "bootstrap.servers": brokers,
            "enable.idempotence": "true",
            "acks": "all",
            // 20 ms, not librdkafka's 5: at 20,000 changes/s the broker's CPU per produce
            // request dominated (a local broker spent half a core at 5 ms, a fifth at 20-25 ms),
            // and end-to-end latency fell with it (bench/latency, docs/benchmarks.md).
            "linger.ms": "20",
            "batch.num.messages": "10000",
            "compression.type": "lz4",
            "queue.buffering.max.messages": "200000",
            "queue.buffering.max.kbytes": "262144",
            "message.timeout.ms": "0", // never give up on a record: capture must not lose one
            "socket.keepalive.enable": "true",
            // Java's partitioner (murmur2 of the key bytes), not librdkafka's CRC32 default, so a key lands on the partition a Java producer (Debezium) would choose (bench/debezium, #12).
            "partitioner": "murmur2_random",
        ]
    }

    public init(properties: [String: String], logger: Logger) throws(KafkaError) {
        // Every record's delivery report is how capture knows what Kafka holds (and how a
        // shared header list is detached before librdkafka frees the record).
        if let value = properties["delivery.report.only.error"], ["true", "1"].contains(value.lowercased()) {
            throw KafkaError(code: -1, message: "bad Kafka setting delivery.report.only.error=\(value): helio needs the delivery report of every record; \(RDKafkaConfig.propertyAdvice)",
                             isConfiguration: true)
        }
        let conf = try RDKafkaConfig.make(properties, events: Int32(RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR))
        handle = try RDKafkaConfig.client(type: RD_KAFKA_PRODUCER, conf: conf)
        queue = rd_kafka_queue_get_main(handle)
        self.logger = logger
    }

    deinit {
        // Records still queued or in flight may carry shared header lists, which librdkafka
        // would free with each record: fail them now (purge) and detach the lists from their
        // delivery reports before anything is destroyed. Without shared lists, nothing to do.
        guard headerLists.count == 0 || outstanding == 0 || purge(timeoutMilliseconds: 10_000) else {
            // Freeing now would free the shared lists once per record still held: leave the
            // client to the process's end instead.
            logger.error("kafka producer: \(outstanding) records still held by librdkafka 10 s after they were purged; the producer is not freed")
            return
        }
        rd_kafka_queue_destroy(queue)
        topics.destroyAll()
        rd_kafka_destroy(handle)
        headerLists.destroyAll()
    }

    /// Number of header lists made for ``SharedHeaders`` sets: one per set, however many
    /// records carry it.
    public var sharedHeaderListCount: Int { headerLists.count }

    /// Queues one record. When librdkafka's queue is full this waits for deliveries, which is
    /// capture's backpressure: a broker outage stops reading from PostgreSQL, it never drops.
    public func send(_ record: OutgoingRecord, id: UInt64) throws(KafkaError) {
        precondition(id != 0 && id <= SharedHeaderLists.idMask, "delivery ids start at 1 and leave the opaque's top bits free")
        while true {
            let code = produce(record, id: id)
            if code == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                collect(timeoutMilliseconds: 100)
                continue
            }
            throw RDKafkaConfig.error(code)
        }
    }

    private func produce(_ record: OutgoingRecord, id: UInt64) -> rd_kafka_resp_err_t {
        // A shared set alone gets its set's one list; with headers of its own a record gets a
        // list of its own (rare: a Debezium key change), freed with the message (tag 0).
        var headers: OpaquePointer?
        var tag: UInt64 = 0
        if !record.headers.isEmpty {
            headers = SharedHeaderLists.make(record.headers + (record.shared?.headers ?? []))
        } else if let shared = record.shared {
            (headers, tag) = headerLists.list(for: shared)
        }
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(id | tag << SharedHeaderLists.tagShift))
        let partition = record.partition ?? helio_rd_kafka_partition_ua
        guard let topic = topics.handle(record.topic, client: handle) else {
            if let headers, tag == 0 { rd_kafka_headers_destroy(headers) }
            let refused = rd_kafka_last_error()
            return refused == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__INVALID_ARG : refused
        }
        let code = withOptionalBytes(record.key) { key, keyLength in
            withOptionalBytes(record.value) { value, valueLength in
                helio_produce(handle, topic, partition, key, keyLength, value, valueLength, headers, opaque)
            }
        }
        // Refused, the record's list is still ours: a shared one stays, an own one goes.
        if code != RD_KAFKA_RESP_ERR_NO_ERROR, let headers, tag == 0 { rd_kafka_headers_destroy(headers) }
        return code
    }

    /// Serves librdkafka's events for up to `timeoutMilliseconds` and returns the deliveries
    /// reported since the last call.
    public func poll(timeoutMilliseconds: Int32) -> [DeliveryReport] {
        collect(timeoutMilliseconds: timeoutMilliseconds)
        defer { pendingReports.removeAll(keepingCapacity: true) }
        return pendingReports
    }

    /// Number of records queued or in flight.
    public var outstanding: Int { Int(rd_kafka_outq_len(handle)) }

    /// Waits until every queued record is delivered or `timeoutMilliseconds` pass; true when all were.
    public func flush(timeoutMilliseconds: Int32) -> Bool {
        var remaining = timeoutMilliseconds
        while outstanding > 0 && remaining > 0 {
            collect(timeoutMilliseconds: min(remaining, 100))
            remaining -= 100
        }
        collect(timeoutMilliseconds: 0)
        return outstanding == 0
    }

    /// Fails every record still queued or in flight (their reports carry librdkafka's purge
    /// errors, for `poll`) and waits up to `timeoutMilliseconds` for librdkafka to let go of
    /// them; true when it has. What was in flight may still reach the broker.
    public func purge(timeoutMilliseconds: Int32) -> Bool {
        rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        return flush(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A fatal producer error (idempotence broken) makes the instance unusable.
    public var fatalError: KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: code.rawValue, message: String(cString: text), isFatal: true)
    }

    private func collect(timeoutMilliseconds: Int32) {
        var timeout = timeoutMilliseconds
        while let event = rd_kafka_queue_poll(queue, Int32(timeout)) {
            defer { rd_kafka_event_destroy(event) }
            timeout = 0
            switch rd_kafka_event_type(event) {
            case Int32(RD_KAFKA_EVENT_DR):
                while let message = rd_kafka_event_message_next(event) {
                    let record = message.pointee
                    let error = record.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : RDKafkaConfig.error(record.err)
                    if error == nil { recordDeliveryLatency(message) }
                    let opaque = UInt64(UInt(bitPattern: record._private))
                    if opaque >> SharedHeaderLists.tagShift != 0 { detachSharedHeaders(message) }
                    pendingReports.append(DeliveryReport(
                        id: opaque & SharedHeaderLists.idMask, error: error,
                        partition: record.partition, offset: record.offset))
                }
            case Int32(RD_KAFKA_EVENT_ERROR):
                let error = RDKafkaConfig.eventError(event)
                logger.warning("kafka producer: \(error.message)", metadata: ["error.code": "\(error.code)", "error_kind": "kafka"])
            default:
                break
            }
        }
    }

    /// Detaches a delivered record's shared header list, so that destroying the report does
    /// not free the list other records still carry.
    private func detachSharedHeaders(_ message: UnsafePointer<rd_kafka_message_t>) {
        var list: OpaquePointer?
        _ = rd_kafka_message_detach_headers(UnsafeMutablePointer(mutating: message), &list)
    }
}

/// Produce → acknowledgement time of every record (`helio_kafka_delivery_seconds`): the
/// record's creation timestamp, which librdkafka sets when it is produced, against now.
private let deliveryLatency = Timer(label: "helio_kafka_delivery_seconds", preferredDisplayUnit: .seconds)

private func recordDeliveryLatency(_ message: UnsafePointer<rd_kafka_message_t>) {
    var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
    let created = rd_kafka_message_timestamp(UnsafeMutablePointer(mutating: message), &type)
    guard type == RD_KAFKA_TIMESTAMP_CREATE_TIME, created > 0 else { return }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let nowMillis = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    if nowMillis >= created { deliveryLatency.recordMilliseconds(nowMillis - created) }
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}
