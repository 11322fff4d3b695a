import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import Logging
import PGOutput

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
///
/// The file is bound to the slot's history, not only its name: the source cluster's system
/// identifier, the slot's database (name and OID), the consistent point where capture created
/// the slot (when it did), and an upper bound of every position capture confirmed to the slot,
/// written before each confirmation is sent. A slot with the same name that is not the one the
/// file describes — on another cluster, in another database, or dropped and created again (its
/// `confirmed_flush_lsn` then starts past anything capture ever confirmed, since a new slot's
/// consistent point lies after the WAL its predecessor had seen) — starts a new history
/// instead of being refused as a lost log. See `startDecision(marker:live:)`.
final class KafkaLogGuard {
    struct Position: Equatable {
        var offset: Int64
        var transactionID: String
    }

    /// What identifies a slot's history (the slot's name is the file's name).
    struct SlotHistory: Equatable {
        /// The source cluster's system identifier (`pg_control_system()`, `IDENTIFY_SYSTEM`).
        var systemIdentifier: String
        var database: String
        var databaseOID: String
        /// The consistent point capture created the slot at; nil when another process made it.
        var created: LSN?
    }

    /// The file's content: the last delivered END, and the history it was delivered in (nil in
    /// files written before the history was recorded: they are checked as before).
    struct Marker: Equatable {
        var position: Position
        var history: SlotHistory?
        /// Every position capture confirmed to the slot in this history is at most this.
        var confirmedBound: LSN?
    }

    /// The slot capture found at start.
    struct LiveSlot: Equatable {
        var systemIdentifier: String
        var database: String
        var databaseOID: String
        var confirmedFlush: LSN?
    }

    enum StartDecision: Equatable {
        /// Nothing delivered to check.
        case nothingToCheck
        /// The same history: the log must still hold this END.
        case check(Position)
        /// The file belongs to another slot history; a new one starts (the reason says why).
        case newHistory(String)
    }

    /// Whether the file describes the slot found at start. Pure: fixtures in KafkaLogGuardTests.
    static func startDecision(marker: Marker?, live: LiveSlot) -> StartDecision {
        guard let marker else { return .nothingToCheck }
        guard let history = marker.history else { return .check(marker.position) }
        if history.systemIdentifier != live.systemIdentifier {
            return .newHistory("the source is another cluster (system identifier \(live.systemIdentifier), "
                + "the delivered records came from \(history.systemIdentifier))")
        }
        if history.database != live.database || history.databaseOID != live.databaseOID {
            return .newHistory("the slot is in database \(live.database) (OID \(live.databaseOID)), "
                + "the delivered records came from \(history.database) (OID \(history.databaseOID))")
        }
        if let flush = live.confirmedFlush {
            if let bound = marker.confirmedBound, flush > bound {
                return .newHistory("the slot starts at \(flush), past every position capture confirmed to it (at most \(bound)): "
                    + "it was dropped and created again")
            }
            if let created = history.created, flush < created {
                return .newHistory("the slot is at \(flush), before the point capture created it at (\(created)): "
                    + "it is another slot of that name")
            }
        }
        return .check(marker.position)
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
    private var saved: Marker?
    /// The slot's history, once capture knows it (at start).
    private(set) var history: SlotHistory?
    private var confirmedBound: LSN?
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
        file = Self.file(spoolDirectory: spoolDirectory, slot: slot)
        self.logger = logger
        self.stallSeconds = stallSeconds
    }

    /// Where the delivery marker of `slot` lives.
    static func file(spoolDirectory: String, slot: String) -> String { "\(spoolDirectory)/delivered-\(slot).position" }

    // MARK: Recording what Kafka acknowledged

    /// A transaction END was acknowledged at `offset`.
    func acknowledgedEnd(offset: Int64, transactionID: String) {
        if offset > acknowledged?.offset ?? -1 { acknowledged = Position(offset: offset, transactionID: transactionID) }
    }

    /// Some record was acknowledged: Kafka is making progress.
    func progressed() { lastProgress = Clock.monotonicSeconds() }

    /// Writes the newest acknowledged END to the file, with the slot's history and a bound of
    /// what capture confirms (capture calls this just before it sends a status update that
    /// confirms `confirming`). A failure is logged, not fatal: the spool's disk may be the one full.
    func save(confirming: LSN? = nil) {
        if let confirming, confirming > confirmedBound ?? LSN(0) { confirmedBound = confirming }
        guard let position = acknowledged ?? saved?.position else { return }
        let marker = Marker(position: position, history: history, confirmedBound: confirmedBound)
        guard marker != saved else { return }
        let temporary = file + ".tmp"
        do {
            try Data(Self.encode(marker).utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, file) == 0 else { throw CaptureError.spool("rename to \(file): \(String(cString: strerror(errno)))") }
            saved = marker
            saveFailed = false
        } catch {
            if !saveFailed { logger.warning("cannot record the last delivered transaction", metadata: ["file": "\(file)", "error": "\(error)"]) }
            saveFailed = true
        }
    }

    /// What a previous run recorded, if anything.
    func stored() -> Position? { storedMarker()?.position }

    func storedMarker() -> Marker? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return Self.decode(text)
    }

    /// The file's format: `offset transaction-id` on the first line (all a file written before
    /// the history was recorded holds), then `key value…` lines.
    static func encode(_ marker: Marker) -> String {
        var lines = ["\(marker.position.offset) \(marker.position.transactionID)"]
        if let history = marker.history {
            lines.append("system \(history.systemIdentifier)")
            lines.append("database \(history.databaseOID) \(history.database)")
            if let created = history.created { lines.append("created \(created)") }
        }
        if let bound = marker.confirmedBound { lines.append("confirmed_at_most \(bound)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func decode(_ text: String) -> Marker? {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = lines.first else { return nil }
        let parts = first.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let offset = Int64(parts[0]) else { return nil }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            let pair = line.split(separator: " ", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        var history: SlotHistory?
        if let system = fields["system"], let database = fields["database"] {
            let db = database.split(separator: " ", maxSplits: 1)
            if db.count == 2 {
                history = SlotHistory(systemIdentifier: system, database: String(db[1]), databaseOID: String(db[0]),
                                      created: fields["created"].flatMap { LSN($0) })
            }
        }
        return Marker(position: Position(offset: offset, transactionID: String(parts[1])), history: history,
                      confirmedBound: fields["confirmed_at_most"].flatMap { LSN($0) })
    }

    /// A new slot starts a new history: what was delivered for the old one no longer counts.
    func reset() {
        acknowledged = nil
        saved = nil
        confirmedBound = nil
        history = nil
        unlink(file)
    }

    /// Capture created the slot at `consistentPoint` in this source and database.
    func created(_ live: LiveSlot, at consistentPoint: LSN) {
        history = SlotHistory(systemIdentifier: live.systemIdentifier, database: live.database, databaseOID: live.databaseOID,
                              created: consistentPoint)
        confirmedBound = consistentPoint
    }

    // MARK: Checking

    /// At start, with an existing slot: when the file describes this slot's history, the log
    /// must still hold the last delivered END; when it describes another, a new one starts.
    func verifyAtStart(existingTopics: [String: Int], admin: KafkaProducer, live: LiveSlot, timeoutSeconds: Double = 5) throws {
        let marker = storedMarker()
        switch Self.startDecision(marker: marker, live: live) {
        case .nothingToCheck:
            adopt(live, marker: nil)
            return
        case .newHistory(let reason):
            logger.notice("the last delivered transaction on record belongs to another history of this slot; starting a new one",
                          metadata: [LogKeys.slot: "\(slot)", "reason": "\(reason)"])
            reset()
            adopt(live, marker: nil)
            return
        case .check:
            adopt(live, marker: marker)
        }
        guard let position = marker?.position else { return }
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

    /// Continues the history the file describes (or a new one for an existing slot whose
    /// creation capture did not see).
    private func adopt(_ live: LiveSlot, marker: Marker?) {
        history = marker?.history ?? SlotHistory(systemIdentifier: live.systemIdentifier, database: live.database,
                                                 databaseOID: live.databaseOID, created: nil)
        saved = marker
        // Files from before the bound was kept: the slot's position now bounds what was confirmed.
        confirmedBound = [marker?.confirmedBound, live.confirmedFlush].compactMap { $0 }.max()
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

/// The guard watches the sink: acknowledged ENDs are what it records and checks, any
/// acknowledgement is progress, a failed delivery or a long wait is when it looks at the log.
extension KafkaLogGuard: DeliveryObserver {
    func acknowledged(_ deliveries: [SinkDelivery]) {
        for delivery in deliveries {
            if let transaction = delivery.transactionEnd { acknowledgedEnd(offset: delivery.offset, transactionID: transaction) }
        }
        progressed()
    }

    func deliveryFailed(_ failure: KafkaError, admin: KafkaProducer) throws {
        try explain(failure, admin: admin)
    }

    func waiting(inFlight: UInt64, admin: KafkaProducer) throws {
        try checkIfStalled(inFlight: inFlight, admin: admin)
    }
}
