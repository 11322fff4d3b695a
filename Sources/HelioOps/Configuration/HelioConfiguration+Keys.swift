/// Every key Helio reads, once: YAML path, environment variable, flag, parser, secrecy. The
/// reader, the CLI flags, `helio config check` and the documentation test all walk this table;
/// a key added here is read from all three sources and must be documented in
/// docs/configuration.md (the test says which line is missing).
extension HelioConfiguration {
    public static let keys: [ConfigurationKey] = connectionKeys + topicKeys + captureKeys + applyKeys + qualityKeys + deadLetterKeys + operationKeys + scheduleKeys

    /// The key at a YAML path.
    public static func key(_ path: String) -> ConfigurationKey? { keysByPath[path] }

    /// The key of an environment variable (`HELIO_BATCH_SIZE`), for messages that name it.
    public static func key(environmentName: String) -> ConfigurationKey? {
        keys.first { $0.environmentName == environmentName }
    }

    static let keysByPath: [String: ConfigurationKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The prefix of the librdkafka passthrough variables.
    public static let kafkaPropertyPrefix = "HELIO_KAFKA_PROPERTY_"

    static let connectionKeys: [ConfigurationKey] = [
        .optionalText("source.url", "HELIO_SOURCE_URL", secrecy: .connectionURL, \.sourceURL,
                      "libpq URL of the source database (a role with REPLICATION)"),
        .optionalText("warehouse.url", "HELIO_WAREHOUSE_URL", secrecy: .connectionURL, \.warehouseURL,
                      "libpq URL of the warehouse (the role that owns dw)"),
        .optionalText("kafka.brokers", "HELIO_KAFKA_BROKERS", \.kafkaBrokers, "bootstrap servers, host:port[,host:port…]"),
        .init("kafka.properties", kafkaPropertyPrefix + "*", flag: "kafka-property", shape: .passthrough,
              expectation: "librdkafka property=value", summary: "librdkafka property for every Kafka client (repeatable NAME=VALUE)",
              assign: { config, value in
                  for (name, setting) in try value.pairs() { config.kafkaProperties[name] = setting }
              },
              render: { config in config.kafkaProperties.isEmpty ? nil : ConfigurationKey.renderSettings(config.kafkaProperties) }),
        .boolean("kafka.allow_old_librdkafka", "HELIO_ALLOW_OLD_LIBRDKAFKA", \.allowOldLibrdkafka,
                 "run with a librdkafka older than 2.1 (it mis-parses some brokers' ApiVersions reply)"),
    ]

    static let topicKeys: [ConfigurationKey] = [
        .text("topics.prefix", "HELIO_TOPIC_PREFIX", \.topicPrefix, "topics are <prefix>.<schema>.<table>; capture and apply must agree"),
        .integer("topics.partitions", "HELIO_TOPIC_PARTITIONS", \.topicPartitions, minimum: 1,
                 "partitions of the topics capture creates"),
        .integer("topics.replication_factor", "HELIO_TOPIC_REPLICATION_FACTOR", \.topicReplicationFactor, minimum: 1,
                 "replication factor of the topics capture creates (3 in production)"),
        .settings("topics.config", "HELIO_TOPIC_CONFIG", \.topicConfiguration,
                  "settings of the topics capture creates, name=value[,name=value…]"),
    ]

    static let captureKeys: [ConfigurationKey] = [
        .text("capture.slot", "HELIO_SLOT", \.slot, "the logical replication slot"),
        .text("capture.publication", "HELIO_PUBLICATION", \.publication, "the publication capture reads"),
        .tables("capture.tables", "HELIO_TABLES", \.tables, "published tables (apply subscribes to their topics too)"),
        .tables("capture.full_image_tables", "HELIO_FULL_IMAGE_TABLES", \.fullImageTables,
                "tables set to REPLICA IDENTITY FULL"),
        .text("capture.spool_dir", "HELIO_SPOOL_DIR", \.spoolDirectory, "where streamed transactions are spooled"),
        .integer("capture.spool_max_bytes", "HELIO_SPOOL_MAX_BYTES", \.spoolMaxBytes, minimum: 0,
                 "most bytes the spool may hold at once; 0: as much as the disk"),
        .optionalText("capture.decoding_work_mem", "HELIO_DECODING_WORK_MEM", \.decodingWorkMem,
                      "logical_decoding_work_mem of the walsender, e.g. 256MB"),
        .seconds("capture.heartbeat_interval_seconds", "HELIO_HEARTBEAT_INTERVAL_SECONDS", \.heartbeatIntervalSeconds, positive: false,
                 "heartbeat message and retained-WAL measurement interval; 0 disables"),
        .seconds("capture.status_interval_seconds", "HELIO_STATUS_INTERVAL_SECONDS", \.statusIntervalSeconds, positive: true,
                 "standby status update interval"),
        .boolean("capture.snapshot", "HELIO_SNAPSHOT", \.snapshotOnCreate, "snapshot every table when the slot is created"),
        .boolean("capture.autocreate_publication", "HELIO_AUTOCREATE_PUBLICATION", \.autocreatePublication,
                 "create the publication when it is missing"),
        .boolean("capture.standby", "HELIO_CAPTURE_STANDBY", \.standby,
                 "when another capture streams the slot, stand by and take over when it is gone (instead of refusing to start)"),
        .choice("capture.on_missing_slot", "HELIO_CAPTURE_ON_MISSING_SLOT", \.onMissingSlot,
                "slot gone but capture had published from it (source failover, restore): resync (re-read every table while streaming, "
                + "deletes included), snapshot (a full initial snapshot) or fail (stop for an operator)"),
        .boolean("capture.tombstones_on_delete", "HELIO_TOMBSTONES_ON_DELETE", \.tombstonesOnDelete,
                 "follow each delete with a tombstone (same key, null value) so compacted topics forget the row"),
        .choice("capture.compatibility", "HELIO_COMPATIBILITY", \.compatibility,
                "record form: helio (the data contract's) or debezium (Debezium 3.6's PostgreSQL connector, default settings)"),
        .choice("capture.decimal_handling_mode", "HELIO_DECIMAL_HANDLING_MODE", \.decimalHandlingMode,
                "debezium form only: numeric as Debezium's decimal.handling.mode writes it (capture) and reads it back (apply)"),
        .choice("capture.time_precision_mode", "HELIO_TIME_PRECISION_MODE", \.timePrecisionMode,
                "debezium form only: time and timestamp as Debezium's time.precision.mode writes them"),
        .boolean("capture.debezium_schemas", "HELIO_DEBEZIUM_SCHEMAS", \.debeziumSchemas,
                 "debezium form only: keys and values with their Kafka Connect schemas, {\"schema\", \"payload\"}, as JsonConverter with schemas.enable=true writes them"),
    ]

    static let applyKeys: [ConfigurationKey] = [
        .text("apply.group_id", "HELIO_GROUP_ID", \.groupID, "Kafka consumer group and key of the warehouse offsets"),
        .optionalText("apply.pii_key", "HELIO_PII_KEY", secrecy: .hidden, \.piiKey,
                      "HMAC key of document_hash"),
        .text("apply.timezone", "HELIO_TIMEZONE", \.timezone, "time zone of local days"),
        .integer("apply.sample_minutes", "HELIO_SAMPLE_MINUTES", \.sampleMinutes, minimum: 1, "irradiance sample interval"),
        .integer("apply.batch_size", "HELIO_BATCH_SIZE", \.batchSize, minimum: 1, "most records per warehouse transaction"),
        .integer("apply.batch_wait_ms", "HELIO_BATCH_WAIT_MS", \.batchWaitMilliseconds, minimum: 0,
                 "how long a poll waits for the first record of a batch"),
        .boolean("apply.transaction_consistency", "HELIO_TRANSACTION_CONSISTENCY", \.transactionConsistency,
                 "apply each source transaction whole, once all its events have arrived"),
        .boolean("apply.parallel", "HELIO_APPLY_PARALLEL", \.parallelApply,
                 "appliers of one group apply their partitions' batches at the same time"),
        .init("apply.scd_config", "HELIO_SCD_CONFIG", expectation: "a JSON object",
              summary: "type-2/type-1 columns per dimension as a JSON object",
              assign: { config, value in
                  let text = try value.scalar()
                  guard JSONShape.isObject(text) else { throw ValueProblem(expected: "a JSON object") }
                  config.scdConfiguration = text
              },
              render: { $0.scdConfiguration }),
    ]

    static let deadLetterKeys: [ConfigurationKey] = [
        .optionalText("dlq.topic", "HELIO_DLQ_TOPIC", \.dlqTopic, "the dead-letter topic (default <prefix>.dlq)"),
        .integer("dlq.replication_factor", "HELIO_DLQ_REPLICATION_FACTOR", \.dlqReplicationFactor, minimum: 0,
                 "replication factor of the dead-letter topic capture creates; 0: topics.replication_factor"),
        .boolean("dlq.context_headers", "HELIO_DLQ_CONTEXT_HEADERS", \.dlqContextHeaders,
                 "also write Kafka Connect's __connect.errors.* headers on dead letters"),
    ]

    static let operationKeys: [ConfigurationKey] = [
        .init("metrics.address", "HELIO_METRICS_ADDR", expectation: "text",
              summary: "host:port of /metrics, /healthz, /readyz and the status page; off disables",
              assign: { config, value in config.metricsAddress = try value.scalar() },
              render: { $0.metricsAddress ?? OperatorRole.defaultsText }),
        .choice("log.format", "HELIO_LOG_FORMAT", \.logFormat, "json, text, or auto: text when stderr is a terminal, else json"),
        .init("log.level", "HELIO_LOG_LEVEL", expectation: "one of " + logLevels.joined(separator: ", "),
              summary: "least severe level logged",
              assign: { config, value in
                  let level = try value.scalar().lowercased()
                  guard logLevels.contains(level) else { throw ValueProblem(expected: "one of " + logLevels.joined(separator: ", ")) }
                  config.logLevel = level
              },
              render: { $0.logLevel }),
        .optionalText("log.file", "HELIO_LOG_FILE", \.logFile, "write log lines to this file instead of stderr, rotated by size"),
        .integer("log.max_bytes", "HELIO_LOG_MAX_BYTES", \.logMaxBytes, minimum: 4096, "rotate the log file before it passes this size"),
        .integer("log.max_files", "HELIO_LOG_MAX_FILES", \.logMaxFiles, minimum: 1, "log files kept, the current one included"),
    ]

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
