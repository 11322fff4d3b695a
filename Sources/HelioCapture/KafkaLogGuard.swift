import Foundation
import HelioEvents
import HelioKafka
import Logging

/// Notices that Kafka lost records capture had delivered, instead of carrying on over the gap.
///
/// A broker that loses its data (a memory-only broker restarted, topics deleted, an unclean
/// leader election) cannot be repaired from the slot: the slot is already past what Kafka
/// acknowledged. Capture remembers the last transaction END Kafka acknowledged — its offset
/// on partition 0 of `<prefix>.transaction` and its id — in a file in the spool directory,
/// and checks that the log still holds that very record:
/// - at start, when the slot already exists, before any topic is created (a broker that
///   auto-creates topics would otherwise hide the loss behind new, empty ones);
/// - while running, when acknowledgements have stalled: a restarted memory broker never
///   acknowledges the idempotent producer again, so capture would wait forever in silence;
/// - when a delivery fails, which is how librdkafka gives up on such a broker if a request
///   was in flight when it went: the loss, not the failed delivery, is what to report.
final class KafkaLogGuard {
    struct Position: Equatable {
        var offset: Int64
        var transactionID: String
    }

    enum Verdict: Equatable {
        case holds
        case lost(String)
        case unknown(String)
    }

    let consumerProperties: [String: String]
    let partition: TopicPartition
    let slot: String
    let file: String
    let logger: Logger
    /// Acknowledgements missing this long (with records in flight) trigger a check.
    let stallSeconds: Double
    private(set) var acknowledged: Position?
    private var saved: Position?
    private var lastProgress = Clock.monotonicSeconds()
    private var lastCheck = 0.0
    private var saveFailed = false

    init(brokers: String, kafkaProperties: [String: String], topics: TopicNames, slot: String, spoolDirectory: String,
         logger: Logger, stallSeconds: Double = 15) {
        var properties = KafkaConsumer.defaults(brokers: brokers, groupID: "helio-capture-log-check", overrides: kafkaProperties)
        // An offset past the end must be an answer, not a silent jump to the beginning.
        properties["auto.offset.reset"] = "error"
        consumerProperties = properties
        partition = TopicPartition(topic: topics.transaction, partition: 0)
        self.slot = slot
        file = "\(spoolDirectory)/delivered-\(slot).position"
        self.logger = logger
        self.stallSeconds = stallSeconds
    }

    // MARK: Recording what Kafka acknowledged

    /// A transaction END was acknowledged at `offset`.
    func acknowledgedEnd(offset: Int64, transactionID: String) {
        if offset > acknowledged?.offset ?? -1 { acknowledged = Position(offset: offset, transactionID: transactionID) }
    }

    /// Some record was acknowledged: Kafka is making progress.
    func progressed() { lastProgress = Clock.monotonicSeconds() }

    /// Writes the newest acknowledged END to the file, if it changed (capture calls this with
    /// its status updates). A failure is logged, not fatal: the spool's disk may be the one full.
    func save() {
        guard let acknowledged, acknowledged != saved else { return }
        let temporary = file + ".tmp"
        do {
            try Data("\(acknowledged.offset) \(acknowledged.transactionID)\n".utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, file) == 0 else { throw CaptureError.spool("rename to \(file): \(String(cString: strerror(errno)))") }
            saved = acknowledged
            saveFailed = false
        } catch {
            if !saveFailed { logger.warning("cannot record the last delivered transaction", metadata: ["file": "\(file)", "error": "\(error)"]) }
            saveFailed = true
        }
    }

    /// What a previous run recorded, if anything.
    func stored() -> Position? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let offset = Int64(parts[0]) else { return nil }
        return Position(offset: offset, transactionID: String(parts[1]))
    }

    /// A new slot starts a new history: what was delivered for the old one no longer counts.
    func reset() {
        acknowledged = nil
        saved = nil
        unlink(file)
    }

    // MARK: Checking

    /// At start, with an existing slot: the log must still hold the last delivered END.
    func verifyAtStart(existingTopics: [String: Int], admin: KafkaProducer, timeoutSeconds: Double = 5) throws {
        guard let position = stored() else { return }
        guard existingTopics[partition.topic] != nil else {
            throw CaptureError.kafkaLogLost(slot: slot, detail: "topic \(partition.topic) does not exist, but capture had delivered \(describe(position))")
        }
        switch verify(position, timeoutSeconds: timeoutSeconds, admin: admin) {
        case .holds:
            logger.info("Kafka still holds the last delivered transaction", metadata: ["partition": "\(partition)", "offset": "\(position.offset)"])
        case .lost(let detail):
            throw CaptureError.kafkaLogLost(slot: slot, detail: detail)
        case .unknown(let detail):
            logger.warning("could not check that Kafka still holds the last delivered transaction", metadata: ["detail": "\(detail)"])
        }
    }

    /// While running: when records wait and nothing was acknowledged for `stallSeconds`,
    /// checks (once per stall interval) that the log still holds the last acknowledged END.
    func checkIfStalled(inFlight: UInt64, admin: KafkaProducer) throws {
        let now = Clock.monotonicSeconds()
        guard inFlight > 0, now - lastProgress >= stallSeconds, now - lastCheck >= stallSeconds else { return }
        lastCheck = now
        guard let position = acknowledged ?? stored() else { return }
        // A broker that does not answer metadata is away (paused, restarting): nothing to conclude.
        guard let existing = try? admin.topics(timeoutMilliseconds: 3_000) else { return }
        guard existing[partition.topic] != nil else {
            throw CaptureError.kafkaLogLost(slot: slot, detail: "topic \(partition.topic) disappeared after capture had delivered \(describe(position))")
        }
        switch verify(position, timeoutSeconds: 5, admin: admin) {
        case .holds:
            logger.warning("Kafka has not acknowledged anything for a while; its log still holds what was delivered",
                           metadata: ["in_flight": "\(inFlight)", "seconds": "\(Int(now - lastProgress))"])
        case .lost(let detail):
            throw CaptureError.kafkaLogLost(slot: slot, detail: detail)
        case .unknown:
            break
        }
    }

    /// Kafka failed a delivery: when its log also lost what was delivered, throws that instead
    /// (a restarted memory broker no longer knows the idempotent producer, and librdkafka gives
    /// up with "Unknown Producer Id" and purges its queue). Otherwise returns, and the delivery
    /// failure stands.
    func explain(_ failure: KafkaError, admin: KafkaProducer) throws {
        guard let position = acknowledged ?? stored(), let existing = try? admin.topics(timeoutMilliseconds: 3_000) else { return }
        guard existing[partition.topic] != nil else {
            throw CaptureError.kafkaLogLost(slot: slot, detail: "topic \(partition.topic) disappeared after capture had delivered \(describe(position)); then \(failure)")
        }
        if case .lost(let detail) = verify(position, timeoutSeconds: 5, admin: admin) {
            throw CaptureError.kafkaLogLost(slot: slot, detail: "\(detail); then \(failure)")
        }
    }

    /// Reads the record at `position` again. A broker that answers a fetch past the end of
    /// its log with nothing at all (Tansu) is asked for the partition's end as well.
    func verify(_ position: Position, timeoutSeconds: Double, admin: KafkaProducer) -> Verdict {
        do {
            let reader = try KafkaConsumer(properties: consumerProperties, logger: logger)
            defer { reader.close() }
            try reader.assign([partition: position.offset])
            let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
            while ContinuousClock.now < deadline {
                let records: [KafkaRecord]
                do {
                    records = try reader.poll(maxRecords: 10, timeoutMilliseconds: 200)
                } catch {
                    guard let kafka = error as? KafkaError, Self.meansGone(kafka) else { throw error }
                    return .lost("\(describe(position)) is gone: \(kafka.message)")
                }
                guard let record = records.first(where: { $0.topicPartition == partition && $0.offset >= position.offset }) else { continue }
                let event = record.value.flatMap { try? TransactionEvent.decode($0) }
                if record.offset == position.offset && event?.status == .end && event?.id == position.transactionID { return .holds }
                return .lost("\(partition)@\(record.offset) holds \(event.map { "transaction \($0.id)" } ?? "another record") where capture had delivered \(describe(position))")
            }
            if let end = try? admin.watermarks(partition, timeoutMilliseconds: 3_000).high, end <= position.offset {
                return .lost("\(partition) ends at offset \(end), but capture had delivered \(describe(position))")
            }
            return .unknown("no record at \(partition)@\(position.offset) within \(Int(timeoutSeconds)) s")
        } catch {
            return .unknown("\(error)")
        }
    }

    private func describe(_ position: Position) -> String {
        "transaction \(position.transactionID) at \(partition)@\(position.offset)"
    }

    /// Per-record errors that mean the offset or partition no longer exists.
    static func meansGone(_ error: KafkaError) -> Bool {
        // OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PART, _AUTO_OFFSET_RESET, _UNKNOWN_TOPIC, _UNKNOWN_PARTITION
        [1, 3, -140, -188, -190].contains(error.code)
    }
}
