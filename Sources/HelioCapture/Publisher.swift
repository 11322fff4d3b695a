import HelioEvents
import HelioKafka
import Logging
import PGOutput

/// Sends capture's records to Kafka and keeps the delivery tracker in step.
///
/// Transaction boundaries go to `<prefix>.transaction` on one partition, so consumers read
/// them in commit order. A BEGIN is sent lazily, with a transaction's first change, so
/// transactions that touch no published table (heartbeats) publish nothing.
final class Publisher {
    let producer: KafkaProducer
    let topics: TopicNames
    let logger: Logger
    var tracker: DeliveryTracker
    /// Above this many unacknowledged records capture stops reading (backpressure).
    let maxInFlight: UInt64
    private var sinceLastPoll = 0
    /// Called while waiting for room, so the replication connection stays answered.
    var whileWaiting: () throws -> Void = {}
    private(set) var failure: KafkaError?
    /// Watches that Kafka keeps what it acknowledged; fed with the offsets of transaction ENDs.
    var logGuard: KafkaLogGuard?
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
    /// `capture.tombstones_on_delete`: false drops every tombstone (a null-valued record) here,
    /// in both forms, as Debezium's `tombstones.on.delete=false` does.
    var tombstones = true
    /// END's `data_collections` in the order Debezium's hash map gives them.
    private var hashMapOrder = JavaHashMapOrder()

    init(producer: KafkaProducer, topics: TopicNames, logger: Logger, tracker: DeliveryTracker, maxInFlight: UInt64 = 50_000) {
        self.producer = producer
        self.topics = topics
        self.logger = logger
        self.tracker = tracker
        self.maxInFlight = maxInFlight
    }

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
                                value: debezium ? DebeziumEnvelope.transactionEvent(begin) : begin.encoded(), partition: 0))
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
            try send(OutgoingRecord(topic: topics.transaction, key: transactionKey(id),
                                    value: debezium ? DebeziumEnvelope.transactionEvent(end) : end.encoded(), partition: 0))
            if logGuard != nil { pendingEnds[tracker.lastAssigned] = id }
        }
        open = nil
        tracker.transactionEnded(at: endLSN)
    }

    /// Debezium's form: the initial snapshot is no transaction; its end is only a checkpoint.
    func snapshotEnded(at lsn: LSN) {
        open = nil
        tracker.transactionEnded(at: lsn)
    }

    /// Drops an open transaction without publishing its END (used when a stream restarts).
    func abandonTransaction() { open = nil }

    func send(_ record: OutgoingRecord) throws {
        while tracker.inFlight >= maxInFlight {
            collect(timeoutMilliseconds: 100)
            try checkFailure()
            try whileWaiting()
        }
        try producer.send(record, id: tracker.nextID())
        sinceLastPoll += 1
        if sinceLastPoll >= 1_000 { collect(timeoutMilliseconds: 0) }
    }

    /// Takes delivery reports; a failed delivery stops capture before anything past it is confirmed.
    func collect(timeoutMilliseconds: Int32) {
        sinceLastPoll = 0
        var acknowledged = false
        for report in producer.poll(timeoutMilliseconds: timeoutMilliseconds) {
            if let error = report.error {
                if failure == nil { failure = error }
                logger.error("Kafka delivery failed", metadata: ["error": "\(error)"])
            } else if failure == nil {
                tracker.acknowledge(report.id)
                acknowledged = true
                if !pendingEnds.isEmpty, let transaction = pendingEnds.removeValue(forKey: report.id) {
                    logGuard?.acknowledgedEnd(offset: report.offset, transactionID: transaction)
                }
            }
        }
        if acknowledged { logGuard?.progressed() }
    }

    func checkFailure() throws {
        // The producer's fatal error, when there is one, says more than the purge reports it causes.
        if let problem = producer.fatalError ?? failure {
            // A broker that lost its data fails deliveries too (it no longer knows the idempotent
            // producer): then the loss is the cause to report, with its remedy.
            try logGuard?.explain(problem, admin: producer)
            throw CaptureError.deliveryFailed(problem.description)
        }
        try logGuard?.checkIfStalled(inFlight: tracker.inFlight, admin: producer)
    }

    /// Waits for every record to be acknowledged, up to `timeoutMilliseconds`.
    func drain(timeoutMilliseconds: Int) -> Bool {
        var waited = 0
        while tracker.inFlight > 0 && waited < timeoutMilliseconds && failure == nil {
            collect(timeoutMilliseconds: 100)
            waited += 100
        }
        return tracker.inFlight == 0
    }

    private func transactionKey(_ id: String) -> [UInt8] {
        RecordKey([("id", .string(id))]).encoded()
    }
}
