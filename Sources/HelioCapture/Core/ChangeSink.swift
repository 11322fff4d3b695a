import HelioEvents
import HelioKafka
import PGOutput

/// Where capture's transactions go: the Kafka `Publisher` in production. The session opens a
/// transaction, hands over its records, and closes it; the sink numbers every record it
/// sends (a delivery id, in stream order) and tells its observers what Kafka acknowledged.
/// It decides nothing about the slot: `CaptureStateMachine` does, from those reports.
protocol ChangeSink: AnyObject {
    var topics: TopicNames { get }
    /// The delivery id of the last record handed over.
    var lastDeliveryID: UInt64 { get }
    /// Records handed over and not yet acknowledged.
    var inFlight: UInt64 { get }

    /// Opens a transaction; its BEGIN goes out with its first event.
    func beginTransaction(txID: Int64, commitLSN: LSN, commitMicros: Int64, beginLSN: LSN?)
    /// One change (and its tombstone after a delete) of the open transaction.
    func change(topic: String, collection: String, key: [UInt8]?, value: [UInt8], tombstone: Bool) throws
    /// Debezium's form: counts the next event of `collection`; its record then goes through `record`.
    func order(_ collection: String) throws -> (total: Int, collection: Int)?
    func record(_ record: OutgoingRecord) throws
    /// Debezium's form: the transaction gets its BEGIN and END even with no event.
    func markVisible()
    /// Closes the open transaction; observers hear `transactionHandedOver(endingAt:lastDelivery:)`.
    func commitTransaction(endLSN: LSN) throws
    /// Drops an open transaction without its END (the stream restarts).
    func abandonTransaction()

    /// Takes delivery reports and passes them to the observers.
    func collect(timeoutMilliseconds: Int32)
    /// Throws when a delivery failed for good.
    func checkFailure() throws
    /// Waits for every record to be acknowledged, up to `timeoutMilliseconds`.
    func drain(timeoutMilliseconds: Int) -> Bool
    /// Called while the sink waits for room, so the replication connection stays answered.
    var whileWaiting: () throws -> Void { get set }
}

/// A record Kafka acknowledged.
struct SinkDelivery: Equatable {
    var id: UInt64
    var offset: Int64
    /// The transaction's id when the record is a transaction END.
    var transactionEnd: String?
}

/// Watches what a sink hands to Kafka and what Kafka acknowledges. The confirmation core
/// (`CaptureCore`) and the broker-loss guard (`KafkaLogGuard`) are the two observers.
protocol DeliveryObserver: AnyObject {
    /// Every record of a transaction (or of the initial snapshot) ending at `endLSN` was
    /// handed over; the last one has delivery id `lastDelivery`.
    func transactionHandedOver(endingAt endLSN: LSN, lastDelivery: UInt64)
    /// Kafka acknowledged these records (reports of one poll, in the order they came).
    func acknowledged(_ deliveries: [SinkDelivery])
    /// A delivery failed for good; an observer may throw a better explanation of it.
    func deliveryFailed(_ failure: KafkaError, admin: KafkaProducer) throws
    /// Called on every failure check while records wait for Kafka.
    func waiting(inFlight: UInt64, admin: KafkaProducer) throws
}

extension DeliveryObserver {
    func transactionHandedOver(endingAt endLSN: LSN, lastDelivery: UInt64) {}
    func acknowledged(_ deliveries: [SinkDelivery]) {}
    func deliveryFailed(_ failure: KafkaError, admin: KafkaProducer) throws {}
    func waiting(inFlight: UInt64, admin: KafkaProducer) throws {}
}
