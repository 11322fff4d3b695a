import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// `helio capture`: source preflight, slot and initial snapshot, then the replication stream,
/// reconnecting with backoff when the source goes away. Runs on the caller's thread (a
/// dedicated one: everything below blocks).
public final class CaptureService: @unchecked Sendable {
    let config: HelioConfiguration
    let logger: Logger
    public let metrics = CaptureMetrics()

    public init(config: HelioConfiguration, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Settings for every source connection: output formats the value converter expects.
    static let sessionSettings = ["datestyle": "ISO", "timezone": "UTC", "intervalstyle": "iso_8601"]

    public func run(shouldStop: @escaping @Sendable () -> Bool) throws {
        // Replies often enough for the short wal_sender_timeout capture sets (CaptureLeadership).
        let config = CaptureLeadership.configuration(self.config)
        try config.checkDebeziumValueModes()
        let sourceURL = try config.require(config.sourceURL, "HELIO_SOURCE_URL")
        let brokers = try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS")
        let topics = TopicNames(prefix: config.topicPrefix)
        let properties = KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties)
        let producer = try KafkaProducer(properties: properties, logger: logger)
        let existingTopics = try listTopics(producer)
        let spool = try StreamSpool(directory: config.spoolDirectory, maxBytes: config.spoolMaxBytes > 0 ? config.spoolMaxBytes : nil)
        let logGuard = KafkaLogGuard(brokers: brokers, kafkaProperties: config.kafkaProperties, topics: topics, slot: config.slot,
                                     spoolDirectory: config.spoolDirectory, logger: logger)
        var topicsReady = false
        var builder = EventBuilder(version: HelioVersion.current, prefix: config.topicPrefix, database: Self.databaseName(sourceURL))
        if config.compatibility == .debezium {
            builder.debezium = DebeziumForm(logicalName: config.topicPrefix, settings: DebeziumSettings(config), schemas: config.debeziumSchemas)
            logger.notice("publishing Debezium's record form (capture.compatibility: debezium); helio apply reads it with the same setting",
                          metadata: ["topics": "\(config.topicPrefix).*", "decimal_handling_mode": "\(config.decimalHandlingMode.rawValue)",
                                     "time_precision_mode": "\(config.timePrecisionMode.rawValue)",
                                     "schemas": "\(config.debeziumSchemas)"])
        }
        var publisher: Publisher?
        var core: CaptureCore?
        var backoff = Backoff()
        let leadership = CaptureLeadership(slot: config.slot)
        var standingBy = false

        while !shouldStop() {
            do {
                var replicationSettings = Self.sessionSettings
                if let workMem = config.decodingWorkMem { replicationSettings["logical_decoding_work_mem"] = workMem }
                replicationSettings = CaptureLeadership.replicationSettings(replicationSettings, sourceURL: sourceURL)
                // First the replication session and the slot's lock on it: a capture that does
                // not get the lock touches nothing (CaptureLeadership).
                let replication = try PostgresConnection(ConnectionOptions(
                    url: sourceURL, applicationName: "helio-capture", replication: true, settings: replicationSettings))
                guard try leadership.tryAcquire(replication) else {
                    let holder = leadership.holder(replication)
                    guard config.standby else { throw CaptureError.slotActive(slot: config.slot, pid: holder) }
                    if !standingBy {
                        logger.notice("standing by: another helio capture streams this slot; taking over when it is gone",
                                      metadata: [LogKeys.slot: "\(config.slot)", "holder": "\(holder)"])
                    }
                    standingBy = true
                    metrics.standingBy("standing by: \(holder) streams slot \(config.slot)")
                    Backoff.sleep(1, unless: shouldStop)
                    continue
                }
                if standingBy {
                    logger.notice("taking over the slot: the capture that streamed it is gone", metadata: [LogKeys.slot: "\(config.slot)"])
                    standingBy = false
                }
                metrics.active()
                let source = try PostgresConnection(ConnectionOptions(url: sourceURL, applicationName: "helio-capture", settings: Self.sessionSettings))
                let setup = SourceSetup(connection: source, config: config, logger: logger)
                try setup.checkWalLevel()
                let keys = try setup.primaryKeys()
                try setup.ensurePublication()
                setup.ensureFullImages()
                let slot = try setup.slotState()
                let live = try setup.liveSlot(slot)
                if !topicsReady {
                    // Before any topic is created: a broker that auto-creates topics would hide a lost log.
                    if slot.exists { try logGuard.verifyAtStart(existingTopics: existingTopics, admin: producer, live: live) }
                    try ensureTopics(producer, topics: topics)
                    topicsReady = true
                }
                // Which server and timeline this stream comes from, for the log and for operators
                // checking that a failover did not hand capture another cluster.
                let identity = try replication.execute("IDENTIFY_SYSTEM").rows.first
                if let identity {
                    logger.info("replication connection", metadata: [
                        "systemid": "\(identity[0] ?? "?")", "timeline": "\(identity[1] ?? "?")", "xlogpos": "\(identity[2] ?? "?")"])
                }
                let activePublisher = publisher ?? Publisher(producer: producer, topics: topics, logger: logger)
                // Records name the timeline they come from (Publisher.sourceTimeline): set before anything of this connection is sent.
                activePublisher.sourceTimeline = identity.flatMap { $0[1] }.flatMap { UInt32($0) } ?? 1
                // The state machine and the sink outlive connections: records already handed to
                // Kafka are still waited for after a reconnect.
                let activeCore = core ?? CaptureCore(confirmed: slot.confirmedFlush ?? LSN(0), statusInterval: config.statusIntervalSeconds)
                activePublisher.debezium = builder.debezium != nil
                activePublisher.debeziumSchemas = builder.debezium?.schemas == true
                activePublisher.tombstones = config.tombstonesOnDelete
                (publisher, core) = (activePublisher, activeCore)
                activePublisher.observe(activeCore)
                activePublisher.observe(logGuard)
                activePublisher.abandonTransaction()
                if !slot.exists {
                    let resync = try missingSlot(logGuard: logGuard, admin: producer, topics: topics)
                    // Records of the previous slot still in flight must be acknowledged before the
                    // tracker restarts at the new slot's position (a promoted standby's WAL may end
                    // before positions capture confirmed to the old primary).
                    guard activePublisher.drain(timeoutMilliseconds: 120_000) else {
                        throw CaptureError.deliveryFailed("records of the previous slot were not acknowledged within 120 s")
                    }
                    logGuard.reset()
                    try createSlot(replication, source: source, publisher: activePublisher, builder: builder, keys: keys, topics: topics,
                                   snapshot: !resync && config.snapshotOnCreate) {
                        activeCore.machine.slotCreated(at: $0, lastDelivery: activePublisher.lastDeliveryID)
                        logGuard.created(live, at: $0)
                    }
                } else if FileManager.default.fileExists(atPath: snapshotMarker) {
                    throw CaptureError.snapshotInterrupted(slot: config.slot)
                }
                let stream = try ReplicationStream(connection: replication, command: startCommand(replication, serverVersion: replication.serverVersion))
                logger.notice("streaming", metadata: [LogKeys.slot: "\(config.slot)", "publication": "\(config.publication)",
                                                      "protocol": "\(replication.serverVersion >= 140000 ? 2 : 1)"])
                backoff.reset()
                let incremental = IncrementalSnapshot(connection: source, builder: builder, topics: topics, primaryKeys: keys, logger: logger)
                let session = CaptureSession(
                    stream: stream, sink: activePublisher, core: activeCore, builder: builder,
                    relations: RelationCache(topics: topics, primaryKeys: keys), config: config, spool: spool,
                    heartbeat: Heartbeat(connection: source, interval: config.heartbeatIntervalSeconds, slot: config.slot, metrics: metrics, logger: logger),
                    incremental: incremental, metrics: metrics, logger: logger,
                    willConfirm: { logGuard.save(confirming: $0) }, shouldStop: shouldStop)
                if FileManager.default.fileExists(atPath: resyncMarker) {
                    startResync(incremental, session: session, publisher: activePublisher, producer: producer, brokers: brokers, topics: topics)
                }
                if builder.debezium != nil { session.catalog = ColumnCatalog(connection: source) }
                try session.run()
                return
            } catch let error as PostgresError where error.isRetriable {
                metrics.disconnected(error.message)
                let delay = backoff.next()
                logger.warning("source connection lost; reconnecting", metadata: [
                    LogKeys.error: "\(error)", "retry_in_seconds": "\(String(format: "%.1f", delay))"])
                Backoff.sleep(delay, unless: shouldStop)
            }
        }
    }

    var snapshotMarker: String { Self.snapshotMarker(spoolDirectory: config.spoolDirectory, slot: config.slot) }
    /// Creates the slot and, when configured, publishes the initial snapshot in its exported
    /// snapshot. A marker file records an unfinished snapshot, so a crash in the middle is
    /// reported instead of silently streaming from a slot whose snapshot was never completed.
    private func createSlot(_ replication: PostgresConnection, source: PostgresConnection, publisher: Publisher,
                            builder: EventBuilder, keys: [String: [String]], topics: TopicNames, snapshot: Bool,
                            created: (LSN) -> Void) throws {
        if snapshot { FileManager.default.createFile(atPath: snapshotMarker, contents: Data("pending\n".utf8)) }
        let result = try replication.execute(
            "CREATE_REPLICATION_SLOT \(replication.quoteIdentifier(config.slot)) LOGICAL pgoutput \(snapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT")")
        guard let row = result.rows.first, let consistent = row[1].flatMap({ LSN($0) }) else {
            throw CaptureError.protocolViolation("CREATE_REPLICATION_SLOT returned no consistent point")
        }
        logger.notice("created replication slot", metadata: [LogKeys.slot: "\(config.slot)", LogKeys.lsn: "\(consistent)"])
        created(consistent)
        guard snapshot, let name = row[2] else { return }
        let reader = SnapshotReader(connection: source, publisher: publisher, builder: builder, topics: topics,
                                    primaryKeys: keys, metrics: metrics, logger: logger)
        try reader.run(snapshotName: name, consistentPoint: consistent, tables: config.tables)
        guard publisher.drain(timeoutMilliseconds: Int.max) else {
            throw CaptureError.deliveryFailed("the snapshot was not acknowledged")
        }
        try FileManager.default.removeItem(atPath: snapshotMarker)
    }

    private func startCommand(_ connection: PostgresConnection, serverVersion: Int) -> String {
        let slot = connection.quoteIdentifier(config.slot)
        let publication = config.publication.replacingOccurrences(of: "'", with: "''")
        // Protocol 2 streams large in-progress transactions (PostgreSQL 14+); 1 elsewhere.
        let options = serverVersion >= 140000
            ? "proto_version '2', streaming 'on', messages 'true', publication_names '\"\(publication)\"'"
            : "proto_version '1', messages 'true', publication_names '\"\(publication)\"'"
        return "START_REPLICATION SLOT \(slot) LOGICAL 0/0 (\(options))"
    }

    /// The topics the broker has now; also the first check that Kafka can be reached.
    private func listTopics(_ producer: KafkaProducer) throws -> [String: Int] {
        do {
            return try producer.topics()
        } catch {
            throw CaptureError.deliveryFailed("could not reach Kafka at \(config.kafkaBrokers ?? ""): \(error) — check HELIO_KAFKA_BROKERS and that the broker is up")
        }
    }

    private func ensureTopics(_ producer: KafkaProducer, topics: TopicNames) throws {
        let tableTopics = config.tables.map { table -> String in
            let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
            return topics.table(schema: parts[0], table: parts[1])
        }
        do {
            // Debezium's form publishes logical decoding messages too, on their own topic.
            let messageTopics = config.compatibility == .debezium ? [topics.message] : []
            try producer.createTopics(tableTopics + messageTopics, partitions: config.topicPartitions,
                                      replicationFactor: config.topicReplicationFactor, config: config.topicConfiguration)
            // Apply writes the dead letters; capture makes the topic with the others (dlq.*).
            try producer.createTopics([config.deadLetterTopic], partitions: config.topicPartitions,
                                      replicationFactor: config.dlqReplicationFactor > 0 ? config.dlqReplicationFactor : config.topicReplicationFactor,
                                      config: config.topicConfiguration)
            // Transaction boundaries keep commit order on a single partition.
            try producer.createTopics([topics.transaction], partitions: 1, replicationFactor: config.topicReplicationFactor,
                                      config: config.topicConfiguration)
        } catch let error as KafkaError where error.isConfiguration {
            // Too many replicas for the cluster, a topic setting the broker rejects: exit 64.
            throw ConfigurationError(key: "topics", problem: "could not be created with these settings, the broker says: "
                + "\(error.message); correct topics.partitions, topics.replication_factor, dlq.replication_factor or topics.config "
                + "(HELIO_TOPIC_PARTITIONS, HELIO_TOPIC_REPLICATION_FACTOR, HELIO_DLQ_REPLICATION_FACTOR, HELIO_TOPIC_CONFIG), or create the topics yourself")
        } catch {
            throw CaptureError.deliveryFailed("could not reach Kafka or create topics at \(config.kafkaBrokers ?? ""): \(error) — check HELIO_KAFKA_BROKERS and that the broker is up")
        }
    }

    /// The database a URL names (`source.db` of every event). Read by hand: a multi-host URL
    /// (`postgresql://u@h1:5432,h2:5432/solar?target_session_attrs=read-write`), which follows a
    /// failover, is no URL Foundation parses. A keyword/value string gives its `dbname`.
    static func databaseName(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else {
            let pairs = url.split(separator: " ").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            return pairs.first { $0.count == 2 && $0[0] == "dbname" }?[1].trimmingCharacters(in: CharacterSet(charactersIn: "'")) ?? "postgres"
        }
        let rest = url[scheme.upperBound...].prefix { $0 != "?" && $0 != "#" }
        // The authority ends at the first '/' after the userinfo.
        let afterUser = rest.lastIndex(of: "@").map { rest[rest.index(after: $0)...] } ?? rest
        guard let slash = afterUser.firstIndex(of: "/") else { return "postgres" }
        let path = afterUser[afterUser.index(after: slash)...]
        return path.isEmpty ? "postgres" : (String(path).removingPercentEncoding ?? String(path))
    }
}
