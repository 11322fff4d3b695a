/// Everything Helio can be told, with the documented defaults. This type only holds values:
/// which key sets which property (file path, environment variable, flag) is the table in
/// `HelioConfiguration+Keys.swift`, and reading the file, environment and flags through
/// swift-configuration is `HelioConfiguration+Reader.swift`.
public struct HelioConfiguration: Sendable {
    // Connections. URLs carry credentials: print `redacted`, never these.
    public var sourceURL: String?
    public var warehouseURL: String?
    public var kafkaBrokers: String?
    /// Extra librdkafka properties (`security.protocol`, `sasl.*`, `ssl.*`) for every client.
    public var kafkaProperties: [String: String] = [:]

    // Capture.
    public var topicPrefix = "solar"
    public var slot = "helio"
    public var publication = "helio"
    /// Published tables, schema-qualified.
    public var tables = ["public.users", "public.units", "public.devices", "public.energy", "public.energy_compensate", "public.irradiance"]
    /// Tables set to REPLICA IDENTITY FULL so updates carry the old row (TOAST fill).
    public var fullImageTables = ["public.users", "public.units", "public.devices"]
    public var topicPartitions: Int32 = 4
    public var topicReplicationFactor: Int32 = 1
    /// Settings for topics capture creates (`HELIO_TOPIC_CONFIG=retention.ms=-1,…`). Replay and
    /// rebuild read the topics from the start: keep them as long as the warehouse may need them.
    public var topicConfiguration: [String: String] = ["retention.ms": "-1"]
    /// Streamed (in-progress) transactions are spooled here until they commit.
    public var spoolDirectory = ".local/spool"
    /// Most bytes the spool may hold at once (`HELIO_SPOOL_MAX_BYTES`); 0: as much as the disk.
    /// A transaction that needs more stops capture with an error, confirming nothing past it.
    public var spoolMaxBytes: Int64 = 0
    public var heartbeatIntervalSeconds = 10.0
    public var statusIntervalSeconds = 10.0
    /// `logical_decoding_work_mem` for the walsender: transactions larger than this are
    /// streamed (protocol 2) and spooled; nil keeps the server's setting.
    public var decodingWorkMem: String?
    /// Create the slot with an initial snapshot of every published table.
    public var snapshotOnCreate = true
    /// Let capture create the publication when missing.
    public var autocreatePublication = true
    /// The form of the records capture publishes: Helio's own (the data contract's), or
    /// exactly what Debezium's PostgreSQL connector publishes with its default settings.
    public var compatibility = Compatibility.helio
    /// Debezium's `decimal.handling.mode` in the debezium form: how `numeric` is written
    /// (capture) and read (apply). Only with `compatibility` debezium.
    public var decimalHandlingMode = DecimalHandlingMode.precise
    /// Debezium's `time.precision.mode` in the debezium form: how `time` and `timestamp` are
    /// written. Only with `compatibility` debezium.
    public var timePrecisionMode = TimePrecisionMode.adaptive
    /// The debezium form as Kafka Connect's `JsonConverter` writes it with `schemas.enable=true`:
    /// every key and value `{"schema":…,"payload":…}` (Connect sinks read the topics as they
    /// are). Only with `compatibility` debezium; apply reads both.
    public var debeziumSchemas = false
    /// Follow each delete with a tombstone (same key, null value) so compacted topics forget
    /// the row; false publishes none (Debezium's `tombstones.on.delete=false`).
    public var tombstonesOnDelete = true
    /// Stand by when another capture streams the slot, and take over when it is gone; false
    /// (the default) refuses to start instead, as a second capture started by mistake should.
    public var standby = false
    /// What capture does when its slot is missing but it had published from an earlier slot of
    /// that name (the source failed over to a standby, or was restored): `resync` (the default)
    /// creates the slot and re-reads every table while streaming, deletes included; `snapshot`
    /// takes a full initial snapshot as for a first start; `fail` stops for an operator.
    public var onMissingSlot = MissingSlotAction.resync
    /// Debezium's table filters from `--debezium-properties`, resolved into `tables` against the
    /// source's catalog when capture starts; nil when `tables` is the list itself.
    public var tableSelection: TableSelection?

    // Dead letters (apply writes them; capture creates the topic).
    /// The dead-letter topic; nil: `<prefix>.dlq`.
    public var dlqTopic: String?
    /// Replication factor of the dead-letter topic when capture creates it; 0: `topicReplicationFactor`.
    public var dlqReplicationFactor: Int32 = 0
    /// Also write Kafka Connect's `__connect.errors.*` headers on each dead letter.
    public var dlqContextHeaders = true

    // Apply.
    public var groupID = "helio-apply"
    /// Type-2/type-1 columns per dimension as JSON, e.g.
    /// `{"dim_users":{"type2":["status"],"type1":["name","email","phone","document"]}}`;
    /// nil keeps the contract's defaults.
    public var scdConfiguration: String?
    public var timezone = "America/Sao_Paulo"
    public var sampleMinutes = 15
    public var batchSize = 20_000
    public var batchWaitMilliseconds = 200
    /// Apply each source transaction whole (held until every event of it has arrived, by the
    /// END counts on `<prefix>.transaction`), so the warehouse never shows part of one.
    /// Costs latency (a transaction waits for its slowest partition) and, for very large
    /// transactions, warehouse space while they are held.
    public var transactionConsistency = false
    /// Appliers of one consumer group apply their partitions' batches at the same time (the
    /// warehouse's advisory lock taken shared) instead of taking turns. Batches that need
    /// the whole warehouse still to themselves (a truncate, transaction consistency,
    /// Debezium's form, isolating a failed change) take it exclusively.
    public var parallelApply = false
    /// HMAC key for `document_hash`. Secret: never logged.
    public var piiKey: String?
    /// Data-quality rules checked on every batch (`quality.rules`); the shipped defaults are
    /// all severity `flag`, so the warehouse still equals the source.
    public var qualityRules = QualityRule.defaults

    // Operations.
    /// The operator endpoint's host:port, or `off`; nil: the serving command's default
    /// (`OperatorRole`: capture 9464, apply 9465), so two units on one host do not collide.
    public var metricsAddress: String?
    public var logFormat = LogFormat.auto
    public var logLevel = "info"
    /// Write log lines to this file instead of stderr; rotated by size.
    public var logFile: String?
    /// Rotate the log file before it grows past this many bytes.
    public var logMaxBytes = 100 * 1024 * 1024
    /// Log files kept, the current one included: `helio.log`, `helio.log.1` … `helio.log.4`.
    public var logMaxFiles = 5
    /// Accept a librdkafka older than 2.1 (brokers other than Tansu may not need the fix).
    public var allowOldLibrdkafka = false
    /// Scheduled checks and alerts (`HelioConfiguration+Schedule.swift` reads them).
    public var schedule = ScheduleConfiguration()

    /// `auto`: `text` (coloured) when stderr is a terminal, else `json` (`LogStyle`).
    public enum LogFormat: String, Sendable, CaseIterable { case auto, json, text }

    /// `capture.compatibility`: `helio` (the contract's value forms, `commit_lsn`, one event
    /// per primary-key change) or `debezium` (Debezium 3.6's records with its default
    /// connector settings; docs/debezium-conformance.md).
    public enum Compatibility: String, Sendable, CaseIterable { case helio, debezium }

    /// `capture.on_missing_slot`: see `onMissingSlot`.
    public enum MissingSlotAction: String, Sendable, CaseIterable { case resync, snapshot, fail }

    /// `capture.decimal_handling_mode`, Debezium's names: `precise` (base64 of the unscaled
    /// value), `double` (a JSON number), `string` (the decimal's text).
    public enum DecimalHandlingMode: String, Sendable, CaseIterable { case precise, double, string }

    /// `capture.time_precision_mode`, Debezium's names: `adaptive` (ms or µs by the column's
    /// precision), `adaptive_time_microseconds` (time always µs), `connect` (Kafka Connect's ms).
    public enum TimePrecisionMode: String, Sendable, CaseIterable {
        case adaptive
        case adaptiveTimeMicroseconds = "adaptive_time_microseconds"
        case connect
    }

    public init() {}

    /// Where dead letters go: `dlq.topic`, else `<prefix>.dlq`.
    public var deadLetterTopic: String { dlqTopic ?? "\(topicPrefix).dlq" }

    public var topicNames: [String] {
        tables.map { "\(topicPrefix).\($0)" }
    }
}
