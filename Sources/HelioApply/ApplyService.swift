import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import Logging
import Synchronization

/// `helio apply`: consumes the change topics and maintains the warehouse, one warehouse
/// transaction per batch (data and offsets together), so crashes and replays change nothing.
public final class ApplyService: @unchecked Sendable {
    let config: HelioConfiguration
    let logger: Logger
    let schema: WarehouseSchema
    public let metrics: ApplyMetrics
    /// Whether changes of this applier's partitions may wait in the warehouse (apply.parallel):
    /// left so by its last batch, or partitions just assigned (their previous holder's may).
    let changesWaiting = Atomic<Bool>(false)

    /// `schema` other than `dw` builds a separate warehouse (a rebuild), with its own metrics.
    public init(config: HelioConfiguration, logger: Logger, schema: WarehouseSchema = .live) {
        self.config = config
        self.logger = logger
        self.schema = schema
        self.metrics = schema.name == WarehouseSchema.live.name ? ApplyMetrics() : ApplyMetrics(health: HealthState())
    }

    /// JSON handed to `dw.apply_staged` (and to the warehouse functions that judge or apply
    /// as apply does: release, resume, the quality re-check).
    public static func configuration(_ config: HelioConfiguration) -> String {
        ApplyService(config: config, logger: Logger(label: "helio.apply")).applyConfig
    }

    /// JSON handed to `dw.apply_staged`.
    var applyConfig: String {
        // The collections apply consumes: with transaction consistency, only their events are awaited.
        let collections = config.tables.filter { RecordDecoder.modelledTables.contains(String($0.split(separator: ".").last ?? "")) }
        var object = JSONObject([("timezone", .string(config.timezone)), ("sample_minutes", .number(String(config.sampleMinutes))),
                                 ("transaction_consistency", .bool(config.transactionConsistency)),
                                 ("parallel", .bool(config.parallelApply)),
                                 ("debezium_form", .bool(config.compatibility == .debezium)),
                                 ("collections", .array(collections.map { .string($0) })),
                                 ("quality_rules", .array(config.qualityRules.map(\.applyJSON)))])
        if let scd = config.scdConfiguration, let parsed = try? JSONValue.parse(scd), let dimensions = parsed.objectValue {
            for field in dimensions.fields { object.append(field.key, field.value) }
        }
        return String(decoding: JSONValue.object(object).encoded(), as: UTF8.self)
    }

    /// Applies until stopped; with `stopWhenIdleSeconds`, also returns once a poll has found
    /// nothing for that long (a rebuild that has caught up).
    public func run(shouldStop: @escaping @Sendable () -> Bool, stopWhenIdleSeconds: Double? = nil) throws {
        try config.checkDebeziumValueModes()
        let warehouseURL = try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL")
        let brokers = try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS")
        let piiKey = try config.require(config.piiKey, "HELIO_PII_KEY")
        if let scd = config.scdConfiguration, (try? JSONValue.parse(scd))?.objectValue == nil {
            throw ConfigurationError(key: "HELIO_SCD_CONFIG", problem: "is not a JSON object")
        }
        let topics = TopicNames(prefix: config.topicPrefix)
        let decoder = RecordDecoder(topics: topics, personalData: PersonalData(key: piiKey), form: config.compatibility,
                                    decimalMode: config.decimalHandlingMode)
        let consumerProperties = KafkaConsumer.defaults(brokers: brokers, groupID: config.groupID, overrides: config.kafkaProperties)
        let producerProperties = KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties)
        let deadLetterProducer = try KafkaProducer(properties: producerProperties, logger: logger)
        var deadLetters = DeadLetters(producer: deadLetterProducer, topic: config.deadLetterTopic,
                                      connect: config.dlqContextHeaders ? .init(connectorName: config.groupID) : nil)
        var backoff = Backoff()
        let subscribed = config.topicNames + [topics.transaction]
        let availability = TopicAvailability(admin: deadLetterProducer, logger: logger)
        guard try availability.wait(for: subscribed, waitForever: stopWhenIdleSeconds == nil, shouldStop: shouldStop,
                                    waiting: { [metrics] in metrics.disconnected($0) }) else {
            logger.notice("apply stopped before its topics existed; nothing was consumed")
            return
        }

        let member = ApplyMember()
        while !shouldStop() {
            do {
                let writer = try WarehouseWriter(url: warehouseURL, groupID: config.groupID, applyConfig: applyConfig, schema: schema, logger: logger)
                let consumer = try KafkaConsumer(properties: consumerProperties, logger: logger)
                defer { consumer.close() }
                // The warehouse side runs on its own thread: it owns the writer's connection and the
                // dead-letter producer; the consumer thread only polls and decodes.
                let maxRecords = config.batchSize
                let pipeline = BatchPipeline<PreparedBatch>(name: "apply-writer", merge: { waiting, next in
                    waiting.absorb(next, maxRecords: maxRecords)
                }) { [self] batch in
                    try commit(batch, writer: writer, deadLetters: &deadLetters, consumer: consumer, member: member)
                }
                defer { pipeline.close() }
                // Before partitions go to another member, what was consumed from them is applied
                // and its offsets stored: the next owner starts where this one really stopped,
                // instead of re-reading a batch still in flight here and racing it.
                // A batch the consumer is still completing (awaitCompleteness) goes first.
                let held = HeldBatch()
                consumer.onRevoke = { [metrics] revoked in
                    if let batch = held.take() { try? pipeline.submit(batch) }
                    _ = try? pipeline.drain()   // (a failure resurfaces at the next submit)
                    // Their lag is the next holder's to report: a stale value here would be
                    // counted twice by an autoscaler summing the members' gauges.
                    metrics.lag(revoked.map { ($0.topic, $0.partition, 0) })
                }
                let guardian = OffsetGuard(properties: consumerProperties, logger: logger, topics: topics)
                consumer.startOffsets = { [member] partitions in
                    try pipeline.drain() // stored positions are current only once the writer is idle
                    let stored = try writer.storedOffsets(partitions)
                    try guardian.verify(stored)
                    try member.register(partitions: Set(partitions), store: writer.offsetStore)
                    // (partitions taken over may come with changes their last holder left waiting)
                    self.changesWaiting.store(true, ordering: .relaxed)
                    return stored.mapValues(\.next)
                }
                try consumer.subscribe(subscribed)
                logger.notice("applying", metadata: ["group": "\(config.groupID)", "topics": "\(subscribed.count)"])
                backoff.reset()
                var lastRecord = Date()
                var lastProgress = Date()
                // (Changes are numbered (`seq`) across batches, by `held`, so that batches merged
                // in the pipeline keep their numbers unique and in arrival order.)
                var completeness = TransactionCompleteness()
                var firstAssignment = AssignmentDeadline(started: Date())
                while !shouldStop() {
                    let records = try consumer.poll(maxRecords: config.batchSize, timeoutMilliseconds: Int32(config.batchWaitMilliseconds))
                    if records.isEmpty {
                        metrics.idle()
                        // Sharing the warehouse, the batch that lets this applier's waiting changes go
                        // (their END, the rest of their transaction) may be another applier's: an
                        // empty batch releases them, once per idle poll while any wait.
                        if config.parallelApply, changesWaiting.load(ordering: .relaxed) {
                            try pipeline.submit(PreparedBatch())
                        }
                        if member.due() {   // (a sign of life while idle: the writer is drained first)
                            try pipeline.drain()
                            try member.register(partitions: consumer.assignment, store: writer.offsetStore)
                        }
                        if let idle = stopWhenIdleSeconds, !consumer.assignment.isEmpty, Date().timeIntervalSince(lastRecord) >= idle {
                            try pipeline.drain()
                            return
                        }
                        if stopWhenIdleSeconds != nil {   // (a run that ends when idle must not wait for ever unassigned)
                            switch firstAssignment.verdict(assigned: consumer.assignmentsReceived > 0, now: Date()) {
                            case .wait: break
                            case .warn:
                                logger.warning("no partition assigned yet; the consumer group has not completed a rebalance",
                                               metadata: ["group": "\(config.groupID)", "waited_seconds": "\(Int(firstAssignment.warnAfter))",
                                                          "gives_up_after_seconds": "\(Int(firstAssignment.failAfter))"])
                            case .fail:
                                throw GroupNeverAssigned(group: config.groupID, seconds: Int(firstAssignment.failAfter))
                            }
                        }
                        continue
                    }
                    lastRecord = Date()
                    held.hold(prepare(records, decoder: decoder, firstSeq: held.nextSeq, completeness: &completeness))
                    try awaitCompleteness(of: held, consumer: consumer, decoder: decoder, completeness: &completeness)
                    if let batch = held.take() { try pipeline.submit(batch) }
                    if Date().timeIntervalSince(lastProgress) >= 5 {
                        lastProgress = Date()
                        logger.info("applied", metadata: ["schema": "\(schema.name)", LogKeys.events: "\(metrics.applied)", "batches": "\(metrics.batches)"])
                    }
                }
                try pipeline.drain()
                try? writer.offsetStore.leave(member: member.name)
                logger.notice("apply stopped; every batch consumed is applied",
                              metadata: ["schema": "\(schema.name)", LogKeys.events: "\(metrics.applied)", "batches": "\(metrics.batches)"])
                return
            } catch let error as PostgresError where error.isRetriable {
                metrics.disconnected(error.message)
                let delay = backoff.next()
                logger.warning("warehouse connection lost; reconnecting", metadata: [
                    LogKeys.error: "\(error)", LogKeys.errorKind: "warehouse_connection", "retry_in_seconds": "\(delay)"])
                Backoff.sleep(delay, unless: shouldStop)
            }
        }
    }

    /// The batch the consumer thread is preparing, and the `seq` its changes continue from.
    /// A class: a revocation (inside a poll) takes the batch from under the wait for its END.
    final class HeldBatch {
        private(set) var batch: PreparedBatch?
        /// The `seq` of the next change prepared (numbers run across batches).
        private(set) var nextSeq = 0

        func hold(_ next: PreparedBatch) {
            batch = next
            nextSeq = next.nextSeq
        }

        /// Appends what was prepared after the held batch (it fits: the poll was bounded).
        func append(_ next: PreparedBatch, maxRecords: Int) {
            let absorbed = batch?.absorb(next, maxRecords: maxRecords) == true
            precondition(absorbed, "a batch prepared after the held one must join it")   // (never drop records)
            nextSeq = next.nextSeq
        }

        func take() -> PreparedBatch? {
            defer { batch = nil }
            return batch
        }
    }

    /// One batch, decoded and rendered as COPY rows on the consumer thread.
    struct PreparedBatch {
        var started = Date()
        var records = 0
        var changeRows: [UInt8] = []
        /// The `seq` of the batch's first change; the others follow in the order they came.
        var firstSeq = 0
        /// Changes of both kinds.
        var changeCount = 0
        var factRows: [UInt8] = []
        var transactionRows: [UInt8] = []
        var transactionCount = 0
        /// The snapshot position whose END this batch already carries: every snapshot row of
        /// Debezium's form comes with one, and one per position is enough.
        var snapshotEnd: UInt64?
        var poison: [(KafkaRecord, String)] = []
        var offsets: [TopicPartition: Int64] = [:]
        var checks: [TopicPartition: (offset: Int64, position: String)] = [:]
        var lastCommitMicros: Int64?
        /// The highest commit position of a change in the batch (helio's form; Debezium's
        /// changes name only their transaction): the END the batch needs to key its facts.
        var lastChangeCommit: UInt64 = 0
        /// Changes per source table, for `helio_apply_changes_total`.
        var tableCounts: [String: Int] = [:]

        /// The next change's `seq`.
        var nextSeq: Int { firstSeq + changeCount }

        /// After a change's row is rendered (as `seq` = `nextSeq`).
        mutating func counted(table: String, commitMicros: Int64) {
            changeCount += 1
            tableCounts[table, default: 0] += 1
            lastCommitMicros = max(lastCommitMicros ?? 0, commitMicros)
        }

        /// Appends the batch prepared after this one (its records came later, its `seq`s
        /// follow), unless the two would exceed `maxRecords` together.
        mutating func absorb(_ next: PreparedBatch, maxRecords: Int) -> Bool {
            guard records + next.records <= maxRecords, next.firstSeq == nextSeq else { return false }
            records += next.records
            changeRows += next.changeRows
            changeCount += next.changeCount
            factRows += next.factRows
            transactionRows += next.transactionRows
            transactionCount += next.transactionCount
            poison += next.poison
            offsets.merge(next.offsets) { max($0, $1) }
            checks.merge(next.checks) { $1 }   // the later record of the partition
            if let micros = next.lastCommitMicros { lastCommitMicros = max(lastCommitMicros ?? 0, micros) }
            lastChangeCommit = max(lastChangeCommit, next.lastChangeCommit)
            tableCounts.merge(next.tableCounts, uniquingKeysWith: +)
            return true
        }
    }

    func prepare(_ records: [KafkaRecord], decoder: RecordDecoder, firstSeq: Int = 0) -> PreparedBatch {
        var completeness = TransactionCompleteness()
        return prepare(records, decoder: decoder, firstSeq: firstSeq, completeness: &completeness)
    }

    /// Decodes and renders `records`, telling `completeness` of the ENDs and dimension changes among them.
    func prepare(_ records: [KafkaRecord], decoder: RecordDecoder, firstSeq: Int = 0,
                 completeness: inout TransactionCompleteness) -> PreparedBatch {
        var batch = PreparedBatch()
        batch.firstSeq = firstSeq
        batch.records = records.count
        batch.changeRows.reserveCapacity(records.count * 100)
        batch.factRows.reserveCapacity(records.count * 120)
        for record in records {
            batch.offsets[record.topicPartition] = max(batch.offsets[record.topicPartition] ?? 0, record.offset + 1)
            do {
                switch try decoder.decode(record) {
                case .change(let change):
                    change.copyRow(seq: batch.nextSeq, into: &batch.changeRows)
                    batch.counted(table: change.sourceTable, commitMicros: change.commitMicros)
                    if let commit = change.commitLSN {
                        batch.lastChangeCommit = max(batch.lastChangeCommit, commit)
                        if TransactionCompleteness.dimensionTables.contains(change.sourceTable) {
                            completeness.sawDimensionChange(commitLSN: commit)
                        }
                    }
                case .fact(let fact):
                    fact.copyRow(seq: batch.nextSeq, into: &batch.factRows)
                    batch.counted(table: fact.sourceTable, commitMicros: fact.commitMicros)
                    batch.lastChangeCommit = max(batch.lastChangeCommit, fact.commitLSN)
                case .transactionEnd(let transaction):
                    transaction.copyRow(into: &batch.transactionRows)
                    batch.transactionCount += 1
                    completeness.sawEnd(commitLSN: transaction.commitLSN, dimensionChanges: transaction.collections.reduce(0) {
                        TransactionCompleteness.dimensionCollections.contains($1.collection) ? $0 + $1.eventCount : $0 })
                case .changeEndingSnapshot(let change, let end):
                    change.copyRow(seq: batch.nextSeq, into: &batch.changeRows)
                    batch.counted(table: change.sourceTable, commitMicros: change.commitMicros)
                    if batch.snapshotEnd != end.commitLSN {
                        end.copyRow(into: &batch.transactionRows)
                        batch.snapshotEnd = end.commitLSN
                    }
                case .nothing: break
                }
            } catch {
                batch.poison.append((record, error.reason))
                if let arrival = DeadLetterArrival.staged(record, reason: error.reason, topics: decoder.topics, form: decoder.form) {
                    arrival.copyRow(seq: batch.nextSeq, into: &batch.changeRows)
                    batch.counted(table: arrival.sourceTable, commitMicros: arrival.commitMicros)
                }
                logger.error("poison record sent to the dead-letter topic", metadata: [
                    LogKeys.errorKind: "poison_record",
                    LogKeys.topic: "\(record.topic)", LogKeys.partition: "\(record.partition)", LogKeys.offset: "\(record.offset)",
                    LogKeys.error: "\(error.reason)"])
            }
        }
        // The last positioned record of each partition, for the offset guard (decoded again,
        // but only one or two per partition and batch).
        for record in records.reversed() where batch.checks[record.topicPartition] == nil {
            if let position = OffsetGuard.position(of: record, topics: decoder.topics) {
                batch.checks[record.topicPartition] = (record.offset, position)
            }
        }
        return batch
    }

    /// The longest a batch waits for the END (or dimension change) that lets the warehouse key
    /// its facts. Capture sends a transaction's changes and its END to different partitions,
    /// so they reach the consumer a fetch or two apart; a fact staged without its END waits
    /// in the warehouse for the next batch, a whole batch cycle. The wait ends as soon as
    /// the END is in, so it costs only the batches that lack one, and at most this.
    static let completenessWaitMilliseconds = 40.0

    /// Polls on, briefly, while the batch holds changes of a transaction whose END (or a
    /// dimension change that END announced) has not been seen; what comes is appended.
    /// (A rebalance during the wait hands the held batch to the writer, `onRevoke`; what
    /// the poll returned then belongs to the new assignment and becomes the held batch.)
    func awaitCompleteness(of held: HeldBatch, consumer: KafkaConsumer, decoder: RecordDecoder,
                           completeness: inout TransactionCompleteness) throws {
        let deadline = Date().addingTimeInterval(Self.completenessWaitMilliseconds / 1000)
        var through: UInt64 = 0
        while let batch = held.batch, batch.records < config.batchSize, batch.lastChangeCommit > 0 {
            through = batch.lastChangeCommit
            if completeness.isComplete(through: through) { return }
            let remaining = deadline.timeIntervalSinceNow * 1000
            guard remaining > 0 else { break }
            let more = try consumer.poll(maxRecords: config.batchSize - batch.records, timeoutMilliseconds: Int32(remaining.rounded(.up)))
            guard !more.isEmpty else { continue }
            let next = prepare(more, decoder: decoder, firstSeq: held.nextSeq, completeness: &completeness)
            guard held.batch != nil else { held.hold(next); return }
            held.append(next, maxRecords: config.batchSize)
        }
        if through > 0 { completeness.giveUp(through: through) }
    }

    /// On the writer thread: dead letters first (acknowledged), then data and offsets in one transaction.
    func commit(_ batch: PreparedBatch, writer: WarehouseWriter, deadLetters: inout DeadLetters, consumer: KafkaConsumer,
                member: ApplyMember) throws {
        try deadLetters.send(batch.poison)
        metrics.deadLettered(batch.poison.count)
        let scope = config.parallelApply ? ParallelScope(assignment: consumer.assignment, topics: TopicNames(prefix: config.topicPrefix)) : nil
        let stats = try writer.apply(changeRows: batch.changeRows, factRows: batch.factRows, transactionRows: batch.transactionRows,
                                     offsets: batch.offsets, checks: batch.checks, scope: scope)
        changesWaiting.store(ParallelScope.waiting(stats: stats) > 0, ordering: .relaxed)
        guard batch.records > 0 else { return }   // (an idle release: nothing consumed, nothing to count)
        consumer.commitAdvisory(batch.offsets)
        if member.due() { try member.register(partitions: consumer.assignment, store: writer.offsetStore) }
        metrics.changes(batch.tableCounts)
        metrics.qualityViolations(stats: stats)
        for held in ApplyMetrics.isolated(stats: stats) {
            logger.error("a change could not be applied: it is held in quarantine, and its row's later changes wait behind it (helio quality held)",
                         metadata: [LogKeys.table: "\(held.table)", "row_id": "\(held.rowID)", LogKeys.lsn: "\(held.lsn)", LogKeys.error: "\(held.error)"])
        }
        metrics.lag(batch.offsets.map { partition, next in
            (partition.topic, partition.partition, OffsetStore.lag(next: next, low: 0, high: consumer.cachedHighWatermark(partition) ?? next))
        })
        let milliseconds = Date().timeIntervalSince(batch.started) * 1000
        metrics.batch(records: batch.records, milliseconds: milliseconds, lastCommitMicros: batch.lastCommitMicros)
        logger.debug("batch applied", metadata: [LogKeys.events: "\(batch.records)", LogKeys.durationMs: "\(Int(milliseconds))", "stats": "\(stats)"])
    }
}
