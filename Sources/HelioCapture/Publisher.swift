import HelioEvents
import HelioKafka
import Logging
import PGOutput

/// Sends capture's records to Kafka: the `ChangeSink` of `helio capture`.
///
/// Every record gets the next delivery id, in stream order; the observers hear each
/// transaction handed over and each acknowledgement (`CaptureCore` decides from them what
/// the slot may forget; `KafkaLogGuard` remembers the last END Kafka kept). Transaction boundaries go to `<prefix>.transaction` on one partition, so consumers read
/// them in commit order. A BEGIN is sent lazily, with a transaction's first change, so
/// transactions that touch no published table (heartbeats) publish nothing.
final class Publisher: ChangeSink {
    let producer: KafkaProducer
    let topics: TopicNames
    let logger: Logger
    /// The delivery id of the last record sent.
    private(set) var lastDeliveryID: UInt64 = 0
    /// Records acknowledged (each id is reported once), while no delivery has failed.
    private var acknowledgedCount: UInt64 = 0
    private var observers: [any DeliveryObserver] = []
    /// Above this many unacknowledged records capture stops reading (backpressure).
    let maxInFlight: UInt64
    private var sinceLastPoll = 0
    /// Called while waiting for room, so the replication connection stays answered.
    var whileWaiting: () throws -> Void = {}
    private(set) var failure: KafkaError?
    /// Delivery ids of transaction ENDs not yet acknowledged, with the transaction's id.
    private var pendingEnds: [UInt64: String] = [:]

    struct OpenTransaction {
        var id: String
        var commitMillis: Int64
        var counts: [(collection: String, count: Int)] = []
        var begun = false
        /// Debezium's form: the transaction's xid, for END's id (`txId:end LSN`).
        var txID: Int64 = 0
        /// Debezium's form: the transaction had something Debezium would have read (a skipped
        /// truncate too), so it gets its BEGIN and END even with no event.
        var visible = false
        var total = 0

        /// Counts an event; returns its place in the transaction and in its table's events.
        mutating func count(_ collection: String) -> (total: Int, collection: Int) {
            total += 1
            if let index = counts.firstIndex(where: { $0.collection == collection }) {
                counts[index].count += 1
                return (total, counts[index].count)
            }
            counts.append((collection, 1))
            return (total, 1)
        }
    }
    private var open: OpenTransaction?
    /// Set for `capture.compatibility: debezium`: transaction events in Debezium's form.
    var debezium = false
    /// `capture.debezium_schemas`: BEGIN and END, and their keys, with their Kafka Connect schemas.
    var debeziumSchemas = false
    /// `capture.tombstones_on_delete`: false drops every tombstone (a null-valued record) here,
    /// in both forms, as Debezium's `tombstones.on.delete=false` does.
    var tombstones = true
    /// The source's timeline (IDENTIFY_SYSTEM at each connection). Above 1 every record names it
    /// in a `helio.timeline` header: after a failover the promoted standby's LSNs can be lower
    /// than positions already published from the old primary, and consumers that order a row's
    /// changes by position (apply) order by (timeline, LSN). None on timeline 1, so a source
    /// that never failed over gets records exactly as Debezium writes them.
    var sourceTimeline: UInt32 = 1 {
        didSet { timelineHeader = sourceTimeline > 1 ? (SourceTimelineHeader.name, Array(String(sourceTimeline).utf8)) : nil }
    }
    private var timelineHeader: (name: String, value: [UInt8])?
    /// END's `data_collections` in the order Debezium's hash map gives them.
    private var hashMapOrder = JavaHashMapOrder()

    init(producer: KafkaProducer, topics: TopicNames, logger: Logger, maxInFlight: UInt64 = 50_000) {
        self.producer = producer
        self.topics = topics
        self.logger = logger
        self.maxInFlight = maxInFlight
    }

    /// Adds an observer of what is handed over and acknowledged (once per observer).
    func observe(_ observer: any DeliveryObserver) {
        guard !observers.contains(where: { $0 === observer }) else { return }
        observers.append(observer)
    }

    /// Records sent and not yet acknowledged.
    var inFlight: UInt64 { lastDeliveryID - acknowledgedCount }

    /// Opens a transaction; its BEGIN goes out with its first event. Helio's id is
    /// `txId:commit LSN` for BEGIN and END; Debezium's (``debezium``) is `txId:` the position
    /// of the message: the transaction's first LSN (`beginLSN`) on BEGIN, its end on END.
    func beginTransaction(txID: Int64, commitLSN: LSN, commitMicros: Int64, beginLSN: LSN? = nil) {
        let id = debezium ? "\(txID):\((beginLSN ?? commitLSN).value)" : TransactionEvent.makeID(txId: txID, commitLSN: commitLSN.value)
        open = OpenTransaction(id: id, commitMillis: commitMicros / 1_000, txID: txID)
    }

    /// Publishes one change (and a tombstone after a delete) inside the open transaction.
    func change(topic: String, collection: String, key: [UInt8]?, value: [UInt8], tombstone: Bool) throws {
        try beginIfNeeded()
        _ = open?.count(collection)
        try send(OutgoingRecord(topic: topic, key: key, value: value))
        if tombstone && tombstones { try send(OutgoingRecord(topic: topic, key: key, value: nil)) }
    }

    /// Debezium's form: counts the next event of `collection` in the open transaction and
    /// returns its place (`total_order`, `data_collection_order`); its record then goes out
    /// through ``record(_:)``. Nil outside a transaction.
    func order(_ collection: String) throws -> (total: Int, collection: Int)? {
        try beginIfNeeded()
        return open?.count(collection)
    }

    /// Debezium's form: a record of the open transaction, already counted by ``order(_:)``
    /// (or not counted at all: tombstones, snapshot reads).
    func record(_ record: OutgoingRecord) throws {
        if record.value == nil && !tombstones { return }
        try send(record)
    }

    /// Debezium's form: the transaction had something Debezium reads but publishes nothing
    /// for (a truncate): it still gets its BEGIN and END.
    func markVisible() { open?.visible = true }

    private func beginIfNeeded() throws {
        guard var transaction = open, !transaction.begun else { return }
        let begin = TransactionEvent(status: .begin, id: transaction.id, eventCount: nil, dataCollections: [], tsMs: transaction.commitMillis)
        try send(OutgoingRecord(topic: topics.transaction, key: transactionKey(transaction.id),
                                value: transactionValue(begin), partition: 0))
        transaction.begun = true
        open = transaction
    }

    /// Closes the open transaction: its END (when it published anything) and its checkpoint.
    func commitTransaction(endLSN: LSN) throws {
        if debezium, open?.visible == true { try beginIfNeeded() }
        if let transaction = open, transaction.begun {
            let total = transaction.total
            var collections = transaction.counts.map { TransactionEvent.DataCollection(collection: $0.collection, eventCount: $0.count) }
            var id = transaction.id
            if debezium {
                collections = hashMapOrder.order(collections.map(\.collection)).map { collections[$0] }
                id = "\(transaction.txID):\(endLSN.value)"
            }
            let end = TransactionEvent(status: .end, id: id, eventCount: total, dataCollections: collections, tsMs: transaction.commitMillis)
            try send(OutgoingRecord(topic: topics.transaction, key: transactionKey(id), value: transactionValue(end), partition: 0))
            pendingEnds[lastDeliveryID] = id
        }
        open = nil
        handedOver(endingAt: endLSN)
    }

    /// Debezium's form: the initial snapshot is no transaction; its end is only a checkpoint.
    func snapshotEnded(at lsn: LSN) {
        open = nil
        handedOver(endingAt: lsn)
    }

    private func handedOver(endingAt lsn: LSN) {
        for observer in observers { observer.transactionHandedOver(endingAt: lsn, lastDelivery: lastDeliveryID) }
    }

    /// Drops an open transaction without publishing its END (used when a stream restarts).
    func abandonTransaction() { open = nil }

    func send(_ record: OutgoingRecord) throws {
        while inFlight >= maxInFlight {
            collect(timeoutMilliseconds: 100)
            try checkFailure()
            try whileWaiting()
        }
        lastDeliveryID += 1
        if let timelineHeader {
            // After the record's own and shared headers (a list of its own: rare, after a failover).
            var named = record
            named.headers += (record.shared?.headers ?? []) + [timelineHeader]
            named.shared = nil
            try producer.send(named, id: lastDeliveryID)
        } else {
            try producer.send(record, id: lastDeliveryID)
        }
        sinceLastPoll += 1
        if sinceLastPoll >= 1_000 { collect(timeoutMilliseconds: 0) }
    }

    /// Takes delivery reports; a failed delivery stops capture before anything past it is confirmed.
    func collect(timeoutMilliseconds: Int32) {
        sinceLastPoll = 0
        var acknowledged: [SinkDelivery] = []
        for report in producer.poll(timeoutMilliseconds: timeoutMilliseconds) {
            if let error = report.error {
                if failure == nil { failure = error }
                logger.error("Kafka delivery failed", metadata: ["error": "\(error)"])
            } else if failure == nil {
                acknowledgedCount += 1
                let end = pendingEnds.isEmpty ? nil : pendingEnds.removeValue(forKey: report.id)
                acknowledged.append(SinkDelivery(id: report.id, offset: report.offset, transactionEnd: end))
            }
        }
        if !acknowledged.isEmpty { for observer in observers { observer.acknowledged(acknowledged) } }
    }

    func checkFailure() throws {
        // The producer's fatal error, when there is one, says more than the purge reports it causes.
        if let problem = producer.fatalError ?? failure {
            // A broker that lost its data fails deliveries too (it no longer knows the idempotent
            // producer): then the loss is the cause to report, with its remedy.
            for observer in observers { try observer.deliveryFailed(problem, admin: producer) }
            throw CaptureError.deliveryFailed(problem.description)
        }
        for observer in observers { try observer.waiting(inFlight: inFlight, admin: producer) }
    }

    /// Waits for every record to be acknowledged, up to `timeoutMilliseconds`.
    func drain(timeoutMilliseconds: Int) -> Bool {
        var waited = 0
        while inFlight > 0 && waited < timeoutMilliseconds && failure == nil {
            collect(timeoutMilliseconds: 100)
            waited += 100
        }
        return inFlight == 0
    }

    private func transactionKey(_ id: String) -> [UInt8] {
        let key = RecordKey([("id", .string(id))]).encoded()
        return debeziumSchemas ? ConnectRecord.wrap(key, prefix: Self.transactionKeyPrefix) : key
    }

    private func transactionValue(_ event: TransactionEvent) -> [UInt8] {
        guard debezium else { return event.encoded() }
        let value = DebeziumEnvelope.transactionEvent(event)
        return debeziumSchemas ? ConnectRecord.wrap(value, prefix: Self.transactionValuePrefix) : value
    }

    static let transactionKeyPrefix = ConnectRecord.prefix(schema: ConnectSchema.transactionKey)
    static let transactionValuePrefix = ConnectRecord.prefix(schema: ConnectSchema.transactionValue)
}
